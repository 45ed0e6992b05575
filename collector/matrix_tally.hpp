// The matrix kept current one report at a time: what compute_matrix() gives from scratch, without
// going over the whole fleet on every change. Each node's part is published with its JSON text.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "collector/fleet.hpp"
#include "collector/matrix.hpp"

namespace capprobe::collector {

// A node's part as published: never changed once shared, replaced when the node changes.
struct PublishedNode {
  NodeSummary summary;
  std::string json;  // json_text(node_json(summary)): its entry in the matrix's "nodes" array
};

// Not thread-safe: the fleet serialises its use.
class MatrixTally {
 public:
  // Counts `subjects` as of now_ms.
  MatrixTally(std::chrono::seconds stale_after, std::int64_t now_ms,
              const std::vector<std::shared_ptr<const SubjectState>>& subjects = {});

  // The subject's new latest state, in place of whatever the tally had under its key.
  void put(std::shared_ptr<const SubjectState> state);
  void erase(const std::vector<std::string>& keys);
  // Subjects whose report grew older than stale_after by now_ms leave the counts for the stale
  // ones (and come back if the clock went back).
  void advance(std::int64_t now_ms);

  std::uint64_t version() const { return version_; }  // changes whenever what follows would
  // The matrix without its per-node part; generated at generated_at_ms.
  Matrix matrix(std::int64_t generated_at_ms) const;
  std::vector<std::shared_ptr<const PublishedNode>> nodes() const;  // sorted by node name

 private:
  struct CapabilityCount {
    Cell total;
    std::map<std::string, Cell> by_group;  // no empty cell
  };
  struct NodeCount {
    int subjects = 0;  // fresh
    int stale_subjects = 0;
    int requested_but_ignored = 0;
    std::map<std::string, int> groups;  // fresh subjects per group key
    std::map<std::string, Cell> cells;  // fresh subjects' results per capability; no empty cell
    std::shared_ptr<const PublishedNode> published;
    bool changed = false;  // since the last publish()
  };
  using Nodes = std::map<std::string, NodeCount>;

  bool fresh(const SubjectState& state) const { return state.received_at_ms >= fresh_from_; }
  // Counts the subject in (sign 1) or out (sign -1), as fresh or stale.
  void count(const SubjectState& state, bool as_fresh, int sign);
  NodeCount& changed_node(const std::string& node);
  void drop(const std::string& key);
  void publish();  // the changed nodes, each once

  std::chrono::seconds stale_after_;
  // A subject is fresh when its report was received at or after this moment (is_stale()).
  std::int64_t fresh_from_;
  std::uint64_t version_ = 0;
  std::unordered_map<std::string, std::shared_ptr<const SubjectState>> subjects_;
  std::multimap<std::int64_t, const SubjectState*> by_received_;  // every subject, for advance()

  int fresh_subjects_ = 0;
  int stale_subjects_ = 0;
  int requested_but_ignored_ = 0;
  std::map<std::string, Group> groups_;  // fresh subjects only
  std::map<std::string, CapabilityCount> capabilities_;
  Nodes nodes_;
  std::vector<Nodes::iterator> changed_;
};

}  // namespace capprobe::collector
