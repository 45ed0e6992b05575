// Group commit: HTTP threads hand validated reports to one writer thread, which stores whatever
// has queued up in one transaction and only then answers each sender. Under load a commit (and
// its fsync) carries many reports; when idle it carries one, without waiting for company.
// Answering (the fleet first, then the senders) runs on a second thread, in commit order, while
// the writer goes on with the next batch: the writer thread's time bounds the ingest rate.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <spdlog/logger.h>

#include "collector/fleet.hpp"
#include "collector/metrics.hpp"
#include "collector/store.hpp"

namespace capprobe::collector {

enum class IngestOutcome { accepted, duplicate, failed };

struct IngestLimits {
  std::size_t max_queued_bytes = 64 * 1024 * 1024;  // beyond it, submit() refuses (503)
  std::size_t max_batch_reports = 1000;
  std::chrono::seconds prune_interval{60};
};

class Ingest {
 public:
  // Called on the answering thread once the outcome is durable (or certainly failed).
  using Done = std::function<void(IngestOutcome)>;

  Ingest(StoreWriter& store, Fleet& fleet, Metrics& metrics, IngestLimits limits,
         std::shared_ptr<spdlog::logger> log);
  ~Ingest();
  Ingest(const Ingest&) = delete;
  Ingest& operator=(const Ingest&) = delete;

  // False when the report was not queued (the queue is full or the collector is stopping);
  // then `done` is never called.
  bool submit(IncomingReport report, std::string body, std::int64_t received_at_ms, Done done);
  // Stores and answers everything queued, then ends the writer thread.
  void stop();
  std::size_t depth() const;

 private:
  struct Pending {
    IncomingReport report;
    std::string body;
    std::string results_json;  // made by submit(), off the writer thread
    std::int64_t received_at_ms;
    Done done;
  };

  // What the writer hands to the answering thread: a batch with its outcome, or the subjects
  // age retention removed (in the same queue, so the fleet sees both in the database's order).
  struct Committed {
    std::deque<Pending> batch;
    bool failed = false;  // the transaction was rolled back: nothing of the batch is stored
    std::vector<InsertResult> results;  // one per report
    double commit_seconds = 0;
    std::size_t body_bytes = 0;  // what the batch counted in queued_bytes_ until answered
    std::vector<std::string> removed;
  };

  void run();
  void commit(std::deque<Pending>& batch);
  void prune();
  void hand_over(Committed committed);
  void answer_all();
  void answer(Committed& committed);  // answer_batch, then release its bytes
  void answer_batch(Committed& committed);

  StoreWriter& store_;
  Fleet& fleet_;
  Metrics& metrics_;
  IngestLimits limits_;
  std::shared_ptr<spdlog::logger> log_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Pending> queue_;
  // The bodies of reports not yet answered, queued or committed: the 503 bound holds even when
  // the answering thread falls behind the writer.
  std::size_t queued_bytes_ = 0;
  bool stopping_ = false;

  std::mutex answer_mutex_;
  std::condition_variable answer_wake_;
  std::deque<Committed> committed_;
  bool writer_done_ = false;

  std::thread writer_;
  std::thread answerer_;
};

}  // namespace capprobe::collector
