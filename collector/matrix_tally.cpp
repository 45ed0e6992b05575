// The incremental matrix: every change counts one subject out and in again, in the fleet's cells
// and in its node's; time passing moves the subjects it made stale. Cost per change: one
// subject's results and one node's JSON, whatever the fleet's size.
#include "collector/matrix_tally.hpp"

#include <algorithm>
#include <limits>
#include <stdexcept>

namespace capprobe::collector {
namespace {

std::int64_t fresh_from(std::chrono::seconds stale_after, std::int64_t now_ms) {
  if (stale_after.count() <= 0) return std::numeric_limits<std::int64_t>::min();
  return now_ms - std::chrono::duration_cast<std::chrono::milliseconds>(stale_after).count();
}

// Counts a result in or out of the cell under `key`; a cell that empties leaves the map, so
// that the maps hold exactly what a count from scratch would.
void count_in(std::map<std::string, Cell>& cells, const std::string& key,
              const ResultSummary& result, int sign) {
  const auto cell = cells.try_emplace(key).first;
  cell->second.add(result, sign);
  if (cell->second.empty()) cells.erase(cell);
}

}  // namespace

MatrixTally::MatrixTally(std::chrono::seconds stale_after, std::int64_t now_ms,
                         const std::vector<std::shared_ptr<const SubjectState>>& subjects)
    : stale_after_(stale_after), fresh_from_(fresh_from(stale_after, now_ms)) {
  for (const auto& state : subjects) {
    const auto [it, added] = subjects_.try_emplace(state->key, state);
    if (!added) throw std::logic_error("two subjects with the key of node " + state->subject.node);
    count(*state, fresh(*state), 1);
    by_received_.emplace(state->received_at_ms, state.get());
  }
  publish();
}

void MatrixTally::put(std::shared_ptr<const SubjectState> state) {
  drop(state->key);
  count(*state, fresh(*state), 1);
  by_received_.emplace(state->received_at_ms, state.get());
  auto key = state->key;
  subjects_.emplace(std::move(key), std::move(state));
  ++version_;
  publish();
}

void MatrixTally::erase(const std::vector<std::string>& keys) {
  const auto before = subjects_.size();
  for (const auto& key : keys) drop(key);
  if (subjects_.size() == before) return;
  ++version_;
  publish();
}

void MatrixTally::advance(std::int64_t now_ms) {
  const auto from = fresh_from(stale_after_, now_ms);
  if (from == fresh_from_) return;
  // Received in [low, high): fresh on one side of the move, stale on the other.
  const auto low = std::min(from, fresh_from_), high = std::max(from, fresh_from_);
  std::vector<const SubjectState*> crossing;
  for (auto it = by_received_.lower_bound(low); it != by_received_.end() && it->first < high; ++it)
    crossing.push_back(it->second);
  for (const auto* state : crossing) count(*state, fresh(*state), -1);
  fresh_from_ = from;
  for (const auto* state : crossing) count(*state, fresh(*state), 1);
  if (crossing.empty()) return;
  ++version_;
  publish();
}

Matrix MatrixTally::matrix(std::int64_t generated_at_ms) const {
  Matrix matrix;
  matrix.generated_at_ms = generated_at_ms;
  matrix.stale_after = stale_after_;
  matrix.subjects = fresh_subjects_;
  matrix.stale_subjects = stale_subjects_;
  matrix.requested_but_ignored = requested_but_ignored_;
  for (const auto& [key, group] : groups_) matrix.groups.push_back(group);
  for (const auto& [id, capability] : capabilities_) {
    matrix.capabilities.push_back(id);
    matrix.totals.push_back(capability.total);
    // Both sorted by group key, and a cell's group always has fresh subjects: one forward walk.
    std::vector<Cell> row(matrix.groups.size());
    std::size_t g = 0;
    for (const auto& [key, cell] : capability.by_group) {
      while (g < matrix.groups.size() && matrix.groups[g].key < key) ++g;
      if (g == matrix.groups.size()) throw std::logic_error("a cell outside the groups: " + key);
      row[g] = cell;
    }
    matrix.cells.push_back(std::move(row));
  }
  const auto first_fresh = by_received_.lower_bound(fresh_from_);
  if (stale_after_.count() > 0 && first_fresh != by_received_.end())
    matrix.valid_until_ms =
        first_fresh->first +
        std::chrono::duration_cast<std::chrono::milliseconds>(stale_after_).count() + 1;
  return matrix;
}

std::vector<std::shared_ptr<const PublishedNode>> MatrixTally::nodes() const {
  std::vector<std::shared_ptr<const PublishedNode>> nodes;
  nodes.reserve(nodes_.size());
  for (const auto& [name, node] : nodes_) nodes.push_back(node.published);
  return nodes;
}

void MatrixTally::count(const SubjectState& state, bool as_fresh, int sign) {
  NodeCount& node = changed_node(state.subject.node);
  if (!as_fresh) {
    stale_subjects_ += sign;
    node.stale_subjects += sign;
    return;
  }
  fresh_subjects_ += sign;
  node.subjects += sign;

  const auto key = group_key(state.subject);
  auto group = groups_.find(key);
  if (group == groups_.end())
    group = groups_
                .emplace(key, Group{key, state.subject.os, state.subject.environment,
                                    state.subject.runtime_class, 0, 0})
                .first;
  group->second.subjects += sign;
  // A node is in a group while it has a fresh subject there.
  const int in_group = (node.groups[key] += sign);
  if (in_group == 0) node.groups.erase(key);
  if (in_group == (sign > 0 ? 1 : 0)) group->second.nodes += sign;
  if (group->second.subjects == 0) groups_.erase(group);

  for (const auto& result : state.results) {
    const auto capability = capabilities_.try_emplace(result.id).first;
    capability->second.total.add(result, sign);
    count_in(capability->second.by_group, key, result, sign);
    if (capability->second.total.empty()) capabilities_.erase(capability);
    count_in(node.cells, result.id, result, sign);
    if (result.requested_but_ignored()) {
      requested_but_ignored_ += sign;
      node.requested_but_ignored += sign;
    }
  }
}

MatrixTally::NodeCount& MatrixTally::changed_node(const std::string& node) {
  const auto it = nodes_.try_emplace(node).first;
  if (!it->second.changed) {
    it->second.changed = true;
    changed_.push_back(it);
  }
  return it->second;
}

void MatrixTally::drop(const std::string& key) {
  const auto it = subjects_.find(key);
  if (it == subjects_.end()) return;
  const SubjectState& state = *it->second;
  count(state, fresh(state), -1);
  const auto [first, last] = by_received_.equal_range(state.received_at_ms);
  const auto entry =
      std::find_if(first, last, [&](const auto& entry) { return entry.second == &state; });
  if (entry == last) throw std::logic_error("subject " + key + " is missing from the time index");
  by_received_.erase(entry);
  subjects_.erase(it);
}

void MatrixTally::publish() {
  for (const auto it : changed_) {
    NodeCount& node = it->second;
    node.changed = false;
    if (node.subjects == 0 && node.stale_subjects == 0) {
      nodes_.erase(it);
      continue;
    }
    NodeSummary summary{
        it->first, node.subjects, node.stale_subjects, node.requested_but_ignored, {}, {}};
    for (const auto& [key, subjects] : node.groups) summary.groups.push_back(key);
    for (const auto& [id, cell] : node.cells) summary.cells.emplace_back(id, cell);
    // A change that leaves the node as it was (a report repeating the last) keeps its text.
    if (node.published && node.published->summary == summary) continue;
    auto json = json_text(node_json(summary));
    node.published =
        std::make_shared<const PublishedNode>(PublishedNode{std::move(summary), std::move(json)});
  }
  changed_.clear();
}

}  // namespace capprobe::collector
