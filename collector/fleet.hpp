// The fleet in memory: each subject's latest report, reduced to what the matrix and the node
// lists need, so that GET /api/v1/matrix never re-reads stored reports.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "collector/validate.hpp"

namespace capprobe::collector {

struct SubjectState {
  std::string key;
  agent::Subject subject;
  std::string report_id;
  std::int64_t seq = 0;  // the stored report's row: arrival order
  std::int64_t received_at_ms = 0;
  std::int64_t started_at_ms = 0;
  std::vector<ResultSummary> results;
};

// "Latest" is by the time the agent ran the probes (a spooled report delivered late must not
// replace a newer one), then by arrival.
bool is_newer(const SubjectState& candidate, const SubjectState& current);

SubjectState subject_state(const IncomingReport& report, std::int64_t seq,
                           std::int64_t received_at_ms);

class MatrixTally;  // collector/matrix_tally.hpp

class Fleet {
 public:
  Fleet();
  ~Fleet();
  Fleet(const Fleet&) = delete;
  Fleet& operator=(const Fleet&) = delete;

  // Keeps `state` when it is newer than what the subject has; true when it was kept.
  bool apply(SubjectState state);
  void remove(const std::vector<std::string>& keys);
  std::size_t size() const;
  std::size_t node_count() const;
  std::uint64_t version() const;  // changes whenever the fleet does

  // Calls `visit` with every subject and the fleet's version under a shared lock: keep it
  // quick, copy nothing large.
  using Visitor = std::function<void(const std::vector<const SubjectState*>&, std::uint64_t)>;
  void visit(const Visitor& visit) const;
  std::vector<SubjectState> subjects_of(const std::string& node) const;

  // Calls `use` with the matrix for `stale_after` as of now_ms. apply() and remove() keep it
  // current; the first call for a stale_after counts the whole fleet. Under the matrix lock,
  // which a writer holds only while it counts one report: keep it quick, copy pointers.
  using MatrixUser = std::function<void(const MatrixTally&)>;
  void with_matrix(std::int64_t now_ms, std::chrono::seconds stale_after,
                   const MatrixUser& use) const;

 private:
  mutable std::shared_mutex mutex_;
  // Immutable states, shared with the matrix tallies.
  std::unordered_map<std::string, std::shared_ptr<const SubjectState>> subjects_;
  std::unordered_map<std::string, int> subjects_per_node_;
  std::uint64_t version_ = 0;
  // Writers change the tallies holding mutex_ exclusively, then matrix_mutex_; matrix readers
  // hold mutex_ shared, then matrix_mutex_ (advancing the clock changes a tally too).
  mutable std::mutex matrix_mutex_;
  mutable std::map<std::chrono::seconds, std::unique_ptr<MatrixTally>> tallies_;
};

}  // namespace capprobe::collector
