// Keeps this collector's fleet in step with a store that other collectors write too (PostgreSQL
// replicas): every interval it asks the store what changed since the last time and applies it,
// so a report posted to any replica shows in every replica's matrix within about an interval.
// One cheap query when nothing changed (the change counter); a lost database is retried.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>

#include <spdlog/logger.h>

#include "collector/fleet.hpp"
#include "collector/store.hpp"

namespace capprobe::collector {

class ReplicaFollower {
 public:
  static constexpr std::chrono::milliseconds kInterval{500};

  // Starts the thread; its first round reads the whole fleet as stored.
  ReplicaFollower(StoreReader& store, Fleet& fleet, std::shared_ptr<spdlog::logger> log,
                  std::chrono::milliseconds interval = kInterval);
  ~ReplicaFollower();  // stops the thread
  ReplicaFollower(const ReplicaFollower&) = delete;
  ReplicaFollower& operator=(const ReplicaFollower&) = delete;

 private:
  void run();
  bool follow_once();  // false when the store could not be read

  StoreReader& store_;
  Fleet& fleet_;
  std::shared_ptr<spdlog::logger> log_;
  std::chrono::milliseconds interval_;
  std::int64_t cursor_ = 0;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace capprobe::collector
