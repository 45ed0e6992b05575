// The writer thread of group commit and the periodic age retention it also runs, and the
// thread that answers what the writer committed.
#include "collector/ingest.hpp"

#include <vector>

#include <spdlog/spdlog.h>

#include "collector/clock.hpp"

namespace capprobe::collector {
Ingest::Ingest(StoreWriter& store, Fleet& fleet, Metrics& metrics, IngestLimits limits,
               std::shared_ptr<spdlog::logger> log)
    : store_(store), fleet_(fleet), metrics_(metrics), limits_(limits), log_(std::move(log)) {
  writer_ = std::thread([this] { run(); });
  answerer_ = std::thread([this] { answer_all(); });
}

Ingest::~Ingest() {
  stop();
}

bool Ingest::submit(IncomingReport report, std::string body, std::int64_t received_at_ms,
                    Done done) {
  auto results_json = results_to_json(report.results);
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return false;
    // One report is always let in when none is in flight, so that a single report near the body
    // limit is never refused.
    if (queued_bytes_ > 0 && queued_bytes_ + body.size() > limits_.max_queued_bytes) return false;
    queued_bytes_ += body.size();
    queue_.push_back({std::move(report), std::move(body), std::move(results_json), received_at_ms,
                      std::move(done)});
  }
  wake_.notify_one();
  return true;
}

void Ingest::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (writer_.joinable()) writer_.join();
  {
    std::lock_guard lock(answer_mutex_);
    writer_done_ = true;
  }
  answer_wake_.notify_one();
  if (answerer_.joinable()) answerer_.join();
}

std::size_t Ingest::depth() const {
  std::lock_guard lock(mutex_);
  return queue_.size();
}

void Ingest::run() {
  auto next_prune = std::chrono::steady_clock::now();
  while (true) {
    std::deque<Pending> batch;
    {
      std::unique_lock lock(mutex_);
      wake_.wait_until(lock, next_prune, [&] { return stopping_ || !queue_.empty(); });
      while (!queue_.empty() && batch.size() < limits_.max_batch_reports) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      if (batch.empty() && stopping_) return;
    }
    if (!batch.empty()) commit(batch);
    if (std::chrono::steady_clock::now() >= next_prune) {
      prune();
      next_prune = std::chrono::steady_clock::now() + limits_.prune_interval;
    }
  }
}

void Ingest::commit(std::deque<Pending>& batch) {
  std::vector<InsertItem> items;
  items.reserve(batch.size());
  for (const auto& pending : batch)
    items.push_back({&pending.report, pending.body, pending.received_at_ms, pending.results_json});

  const auto started = std::chrono::steady_clock::now();
  Committed committed;
  try {
    committed.results = store_.insert_batch(items);
  } catch (const std::exception& error) {
    log_->error("Storing a batch of {} reports failed; they were not acknowledged: {}",
                batch.size(), error.what());
    committed.failed = true;
  }
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
  committed.commit_seconds = took.count();
  // Answering needs neither the body nor the summary: free them now, count them until then.
  for (auto& pending : batch) {
    committed.body_bytes += pending.body.size();
    std::string().swap(pending.body);
    std::string().swap(pending.results_json);
  }
  committed.batch = std::move(batch);
  hand_over(std::move(committed));
}

void Ingest::prune() {
  try {
    auto removed = store_.prune_expired(unix_now_ms());
    if (!removed.empty()) {
      log_->info("Retention removed {} subjects that had not reported within the max age",
                 removed.size());
      Committed committed;
      committed.removed = std::move(removed);
      hand_over(std::move(committed));
    }
  } catch (const std::exception& error) {
    log_->warn("Age retention failed, will retry: {}", error.what());
  }
}

void Ingest::hand_over(Committed committed) {
  {
    std::lock_guard lock(answer_mutex_);
    committed_.push_back(std::move(committed));
  }
  answer_wake_.notify_one();
}

void Ingest::answer_all() {
  while (true) {
    Committed next;
    {
      std::unique_lock lock(answer_mutex_);
      answer_wake_.wait(lock, [&] { return writer_done_ || !committed_.empty(); });
      if (committed_.empty()) return;  // the writer has stopped and everything is answered
      next = std::move(committed_.front());
      committed_.pop_front();
    }
    answer(next);
  }
}

void Ingest::answer(Committed& committed) {
  answer_batch(committed);
  if (committed.body_bytes == 0) return;
  std::lock_guard lock(mutex_);
  queued_bytes_ -= committed.body_bytes;
}

void Ingest::answer_batch(Committed& committed) {
  if (!committed.removed.empty()) {
    fleet_.remove(committed.removed);
    return;
  }
  auto& batch = committed.batch;
  if (committed.failed) {
    for (auto& pending : batch) pending.done(IngestOutcome::failed);
    return;
  }
  // Committed: now the fleet may show them, and only then are the senders answered.
  std::size_t accepted = 0;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    if (committed.results[i].duplicate) continue;
    ++accepted;
    fleet_.apply(subject_state(batch[i].report, committed.results[i].seq, batch[i].received_at_ms));
  }
  metrics_.commit(accepted, committed.commit_seconds);
  for (std::size_t i = 0; i < batch.size(); ++i)
    batch[i].done(committed.results[i].duplicate ? IngestOutcome::duplicate
                                                 : IngestOutcome::accepted);
}

}  // namespace capprobe::collector
