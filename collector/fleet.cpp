// The in-memory latest-per-subject map and the matrix tallies kept from it; writers (the ingest
// thread) take the lock exclusively and only after the report is committed, readers (HTTP
// threads) share it.
#include "collector/fleet.hpp"

#include <algorithm>
#include <mutex>
#include <tuple>

#include "collector/matrix_tally.hpp"

namespace capprobe::collector {

bool is_newer(const SubjectState& candidate, const SubjectState& current) {
  return std::tie(candidate.started_at_ms, candidate.seq) >
         std::tie(current.started_at_ms, current.seq);
}

SubjectState subject_state(const IncomingReport& report, std::int64_t seq,
                           std::int64_t received_at_ms) {
  return SubjectState{report.subject_key, report.subject,       report.report_id, seq,
                      received_at_ms,     report.started_at_ms, report.results};
}

Fleet::Fleet() = default;
Fleet::~Fleet() = default;

bool Fleet::apply(SubjectState state) {
  auto shared = std::make_shared<const SubjectState>(std::move(state));
  std::unique_lock lock(mutex_);
  const auto it = subjects_.find(shared->key);
  if (it != subjects_.end() && !is_newer(*shared, *it->second)) return false;
  std::lock_guard matrix_lock(matrix_mutex_);
  if (it == subjects_.end()) {
    ++subjects_per_node_[shared->subject.node];
    subjects_.emplace(shared->key, shared);
  } else {
    it->second = shared;  // the key holds the node: the node stays
  }
  for (const auto& [stale_after, tally] : tallies_) tally->put(shared);
  ++version_;
  return true;
}

void Fleet::remove(const std::vector<std::string>& keys) {
  std::unique_lock lock(mutex_);
  std::lock_guard matrix_lock(matrix_mutex_);
  for (const auto& key : keys) {
    const auto it = subjects_.find(key);
    if (it == subjects_.end()) continue;
    const auto node = subjects_per_node_.find(it->second->subject.node);
    if (node != subjects_per_node_.end() && --node->second == 0) subjects_per_node_.erase(node);
    subjects_.erase(it);
    ++version_;
  }
  for (const auto& [stale_after, tally] : tallies_) tally->erase(keys);
}

std::size_t Fleet::size() const {
  std::shared_lock lock(mutex_);
  return subjects_.size();
}

std::size_t Fleet::node_count() const {
  std::shared_lock lock(mutex_);
  return subjects_per_node_.size();
}

std::uint64_t Fleet::version() const {
  std::shared_lock lock(mutex_);
  return version_;
}

void Fleet::visit(const Visitor& visit) const {
  std::shared_lock lock(mutex_);
  std::vector<const SubjectState*> all;
  all.reserve(subjects_.size());
  for (const auto& [key, state] : subjects_) all.push_back(state.get());
  visit(all, version_);
}

std::vector<SubjectState> Fleet::subjects_of(const std::string& node) const {
  std::shared_lock lock(mutex_);
  std::vector<SubjectState> found;
  if (!subjects_per_node_.count(node)) return found;
  for (const auto& [key, state] : subjects_)
    if (state->subject.node == node) found.push_back(*state);
  std::sort(found.begin(), found.end(),
            [](const SubjectState& a, const SubjectState& b) { return a.key < b.key; });
  return found;
}

void Fleet::with_matrix(std::int64_t now_ms, std::chrono::seconds stale_after,
                        const MatrixUser& use) const {
  std::shared_lock lock(mutex_);
  std::lock_guard matrix_lock(matrix_mutex_);
  auto& tally = tallies_[stale_after];
  if (tally) {
    tally->advance(now_ms);
  } else {
    std::vector<std::shared_ptr<const SubjectState>> all;
    all.reserve(subjects_.size());
    for (const auto& [key, state] : subjects_) all.push_back(state);
    tally = std::make_unique<MatrixTally>(stale_after, now_ms, all);
  }
  use(*tally);
}

}  // namespace capprobe::collector
