// The capability matrix (DESIGN.md "Collector API"): capabilities x groups, where a group is
// os/environment/runtime class, with counts per status and "requested but ignored", and the same
// per node. Computed from each subject's latest report; a pure function of the fleet and a clock.
// compute_matrix() defines it from scratch; MatrixTally (matrix_tally.hpp) keeps it current
// change by change, and the tests hold the two equal.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "collector/fleet.hpp"

namespace capprobe::collector {

inline constexpr std::array<probes::Status, 6> kStatuses{
    probes::Status::supported, probes::Status::partial,        probes::Status::unsupported,
    probes::Status::untested,  probes::Status::not_applicable, probes::Status::error};

struct Cell {
  std::array<int, kStatuses.size()> counts{};  // indexed like kStatuses
  int subjects = 0;                            // subjects whose report holds the capability
  int requested = 0;                           // ... and whose pod spec asked for it
  int requested_but_ignored = 0;

  // sign -1 takes away what add() counted: the incremental matrix (matrix_tally.hpp) also
  // counts subjects out.
  void add(const ResultSummary& result, int sign = 1);
  bool empty() const { return subjects == 0; }
  int count(probes::Status status) const { return counts[static_cast<std::size_t>(status)]; }
  bool operator==(const Cell&) const = default;
};

struct Group {
  std::string key;  // "os/environment/runtime_class", "-" for no runtime class
  std::string os;
  std::string environment;
  std::optional<std::string> runtime_class;
  int subjects = 0;
  int nodes = 0;
  bool operator==(const Group&) const = default;
};

struct NodeRow {
  std::string node;
  int subjects = 0;  // fresh ones; stale subjects are counted apart and left out of the cells
  int stale_subjects = 0;
  std::vector<std::size_t> groups;  // indexes into Matrix::groups
  std::vector<Cell> cells;          // indexed like Matrix::capabilities
  int requested_but_ignored = 0;
  bool operator==(const NodeRow&) const = default;
};

// A node's row by name rather than by index into the matrix's axes: it, and its JSON, stay
// right while other nodes change the axes.
struct NodeSummary {
  std::string node;
  int subjects = 0;
  int stale_subjects = 0;
  int requested_but_ignored = 0;
  std::vector<std::string> groups;                  // keys, sorted
  std::vector<std::pair<std::string, Cell>> cells;  // by capability id, sorted; none empty
  bool operator==(const NodeSummary&) const = default;
};

struct Matrix {
  std::int64_t generated_at_ms = 0;
  std::chrono::seconds stale_after{0};
  int subjects = 0;
  int stale_subjects = 0;
  int requested_but_ignored = 0;          // findings over all fresh subjects
  std::vector<std::string> capabilities;  // sorted by id
  std::vector<Group> groups;              // sorted by key
  std::vector<std::vector<Cell>> cells;   // [capability][group]
  std::vector<Cell> totals;               // [capability]
  std::vector<NodeRow> nodes;             // sorted by name; empty unless asked for
  // The next moment a fresh subject turns stale: until then, and while the fleet does not
  // change, this matrix stays right.
  std::int64_t valid_until_ms = std::numeric_limits<std::int64_t>::max();
  bool operator==(const Matrix&) const = default;
};

std::string group_key(const agent::Subject& subject);
bool is_stale(const SubjectState& state, std::int64_t now_ms, std::chrono::seconds stale_after);

Matrix compute_matrix(const std::vector<const SubjectState*>& subjects, std::int64_t now_ms,
                      std::chrono::seconds stale_after, bool with_nodes);

NodeSummary node_summary(const Matrix& matrix, const NodeRow& row);
// The row of `node` on `matrix`'s axes, which must hold the node's groups and capabilities.
NodeRow node_row(const Matrix& matrix, const NodeSummary& node);

nlohmann::json cell_json(const Cell& cell);
nlohmann::json to_json(const Matrix& matrix, bool with_nodes = true);
// One entry of the per-node part ("nodes") of to_json.
nlohmann::json node_json(const NodeSummary& node);
// Compact JSON text as the API serves it; invalid UTF-8 is replaced, never thrown on.
std::string json_text(const nlohmann::json& document);

}  // namespace capprobe::collector

namespace capprobe::collector {

// The drill-down behind a matrix cell: which subjects have this group/capability/status.
struct SubjectFilter {
  std::optional<std::string> group;       // a Group::key
  std::optional<std::string> capability;  // a capability id
  std::optional<probes::Status> status;   // with capability: its status; without: any result's
  bool ignored_only = false;              // only "requested but ignored" (of capability, or any)
  bool include_stale = false;
};

// Matching subjects sorted by node, then subject key.
std::vector<const SubjectState*> select_subjects(const std::vector<const SubjectState*>& subjects,
                                                 const SubjectFilter& filter, std::int64_t now_ms,
                                                 std::chrono::seconds stale_after);

}  // namespace capprobe::collector
