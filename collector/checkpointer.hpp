// Copies the WAL back into the database file on a thread and connection of its own, so that the
// writer thread only appends to the WAL and syncs it. (With SQLite's automatic checkpoint the
// commit that passes the WAL's size limit also copies every page a second time: a fifth of the
// writer's time, and the writer thread is what bounds the ingest rate.)
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <spdlog/logger.h>

#include "collector/sqlite.hpp"

namespace capprobe::collector {

class Checkpointer {
 public:
  // From this many WAL pages on, the thread copies them back (SQLite's automatic checkpoint
  // starts at 1000).
  static constexpr int kStartPages = 2000;
  // The WAL can restart from its beginning only when a checkpoint has caught up before the
  // writer's next transaction. Should that keep failing under a steady stream of commits, the
  // writer checkpoints itself past this size, as SQLite would, and the WAL restarts after it.
  static constexpr int kWriterPages = 8 * kStartPages;

  // Opens its own connection to the database at `path`, which must exist in WAL mode.
  Checkpointer(const std::string& path, std::shared_ptr<spdlog::logger> log);
  ~Checkpointer();  // finishes the copy under way, then stops
  Checkpointer(const Checkpointer&) = delete;
  Checkpointer& operator=(const Checkpointer&) = delete;

  // The writer's WAL hook: after each commit, the WAL's size. Past kStartPages it wakes the
  // thread; true when the writer should checkpoint itself (kWriterPages).
  bool wal_committed(int wal_pages);

 private:
  void run();

  sqlite::Database db_;
  std::shared_ptr<spdlog::logger> log_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool wanted_ = false;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace capprobe::collector
