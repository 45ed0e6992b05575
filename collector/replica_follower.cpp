// The follower's loop: poll, apply removals then updates (a subject removed and reported again
// since the last round ends up present), sleep. Fleet::apply keeps only states newer than its
// own, so this collector's own reports, which the fleet has already, change nothing.
#include "collector/replica_follower.hpp"

#include <utility>

namespace capprobe::collector {

ReplicaFollower::ReplicaFollower(StoreReader& store, Fleet& fleet,
                                 std::shared_ptr<spdlog::logger> log,
                                 std::chrono::milliseconds interval)
    : store_(store), fleet_(fleet), log_(std::move(log)), interval_(interval) {
  thread_ = std::thread([this] { run(); });
}

ReplicaFollower::~ReplicaFollower() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void ReplicaFollower::run() {
  bool failing = false;
  while (true) {
    const bool ok = follow_once();
    if (!ok && !failing) log_->warn("Following the other collectors' changes failed; retrying");
    if (ok && failing) log_->info("Following the other collectors' changes again");
    failing = !ok;
    std::unique_lock lock(mutex_);
    if (wake_.wait_for(lock, interval_, [&] { return stopping_; })) return;
  }
}

bool ReplicaFollower::follow_once() {
  try {
    const auto changes = store_.changes_since(cursor_);
    if (!changes) return true;
    if (!changes->removed.empty()) fleet_.remove(changes->removed);
    for (auto state : changes->updated) fleet_.apply(std::move(state));
    cursor_ = changes->cursor;
    return true;
  } catch (const std::exception& error) {
    log_->debug("Reading the store's changes failed: {}", error.what());
    return false;
  }
}

}  // namespace capprobe::collector
