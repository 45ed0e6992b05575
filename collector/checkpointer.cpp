// The checkpoint thread: waits until the writer reports a WAL past kStartPages, then runs
// PASSIVE checkpoints, which copy what they can without ever blocking the writer or a reader.
#include "collector/checkpointer.hpp"

#include <utility>

namespace capprobe::collector {

Checkpointer::Checkpointer(const std::string& path, std::shared_ptr<spdlog::logger> log)
    : db_(path, false), log_(std::move(log)) {
  // A new connection knows the database is in WAL mode only once it has read it; until then a
  // checkpoint does nothing. FULL: the database file is synced before the WAL may be reused.
  db_.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;");
  thread_ = std::thread([this] { run(); });
}

Checkpointer::~Checkpointer() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

bool Checkpointer::wal_committed(int wal_pages) {
  if (wal_pages < kStartPages) return false;
  {
    std::lock_guard lock(mutex_);
    wanted_ = true;
  }
  wake_.notify_one();
  return wal_pages >= kWriterPages;
}

void Checkpointer::run() {
  while (true) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return wanted_ || stopping_; });
      if (stopping_) return;
      wanted_ = false;
    }
    try {
      const auto done = db_.checkpoint();
      if (!done.busy && done.copied_pages < done.wal_pages)
        log_->debug("A checkpoint copied {} of {} WAL pages; readers hold the rest",
                    done.copied_pages, done.wal_pages);
    } catch (const std::exception& error) {
      // Nothing is lost: the WAL keeps every commit until a checkpoint copies it.
      log_->warn("Checkpointing the WAL failed, will retry after the next commits: {}",
                 error.what());
    }
  }
}

}  // namespace capprobe::collector
