// Matrix computation: one pass over the subjects into index-addressed cells, then a sort of the
// capability and group axes. Linear in subjects x capabilities, no allocation per result.
#include "collector/matrix.hpp"

#include <algorithm>
#include <deque>
#include <numeric>
#include <stdexcept>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

#include "agent/report.hpp"

namespace capprobe::collector {
namespace {

std::vector<std::size_t> sorted_order(const std::deque<std::string>& keys) {
  std::vector<std::size_t> order(keys.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(),
            [&](std::size_t a, std::size_t b) { return keys[a] < keys[b]; });
  return order;
}

std::vector<std::size_t> inverse(const std::vector<std::size_t>& order) {
  std::vector<std::size_t> position(order.size());
  for (std::size_t i = 0; i < order.size(); ++i) position[order[i]] = i;
  return position;
}

nlohmann::json counts_json(const Cell& cell) {
  nlohmann::json counts = nlohmann::json::object();
  for (std::size_t s = 0; s < kStatuses.size(); ++s)
    if (cell.counts[s] > 0) counts[std::string(probes::to_string(kStatuses[s]))] = cell.counts[s];
  return counts;
}

}  // namespace

void Cell::add(const ResultSummary& result, int sign) {
  counts[static_cast<std::size_t>(result.status)] += sign;
  subjects += sign;
  if (result.requested.value_or(false)) requested += sign;
  if (result.requested_but_ignored()) requested_but_ignored += sign;
}

std::string group_key(const agent::Subject& subject) {
  return subject.os + "/" + subject.environment + "/" +
         (subject.runtime_class ? *subject.runtime_class : std::string("-"));
}

bool is_stale(const SubjectState& state, std::int64_t now_ms, std::chrono::seconds stale_after) {
  if (stale_after.count() <= 0) return false;
  return now_ms - state.received_at_ms >
         std::chrono::duration_cast<std::chrono::milliseconds>(stale_after).count();
}

Matrix compute_matrix(const std::vector<const SubjectState*>& subjects, std::int64_t now_ms,
                      std::chrono::seconds stale_after, bool with_nodes) {
  static_assert(static_cast<std::size_t>(probes::Status::error) + 1 == kStatuses.size());
  Matrix matrix;
  matrix.generated_at_ms = now_ms;
  matrix.stale_after = stale_after;
  const std::int64_t stale_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(stale_after).count();

  // Axes in first-seen order while counting; sorted once at the end. The maps hold views: into
  // the deques (which never move their elements) and into the subjects (locked by the caller).
  std::unordered_map<std::string_view, std::size_t> capability_index, group_index, node_index;
  if (with_nodes) node_index.reserve(subjects.size());
  std::deque<std::string> capability_ids, group_keys;
  std::vector<std::unordered_set<std::string_view>> group_nodes;
  std::vector<std::vector<Cell>> cells;  // [capability][group], grown as axes grow
  std::vector<NodeRow> nodes;
  std::vector<std::vector<std::size_t>> node_groups;  // a node has one group or a few

  for (const SubjectState* state : subjects) {
    NodeRow* row = nullptr;
    std::size_t row_index = 0;
    if (with_nodes) {
      const auto [it, added] = node_index.try_emplace(state->subject.node, nodes.size());
      if (added) {
        nodes.push_back(NodeRow{state->subject.node, 0, 0, {}, {}, 0});
        node_groups.emplace_back();
      }
      row_index = it->second;
      row = &nodes[row_index];
    }
    if (is_stale(*state, now_ms, stale_after)) {
      ++matrix.stale_subjects;
      if (row) ++row->stale_subjects;
      continue;
    }
    ++matrix.subjects;
    if (stale_ms > 0)
      matrix.valid_until_ms = std::min(matrix.valid_until_ms, state->received_at_ms + stale_ms + 1);
    auto key = group_key(state->subject);
    auto group = group_index.find(key);
    if (group == group_index.end()) {
      matrix.groups.push_back(Group{key, state->subject.os, state->subject.environment,
                                    state->subject.runtime_class, 0, 0});
      group_keys.push_back(std::move(key));
      group_nodes.emplace_back();
      group = group_index.emplace(group_keys.back(), group_keys.size() - 1).first;
      for (auto& row_cells : cells) row_cells.resize(group_keys.size());
    }
    const std::size_t g = group->second;
    ++matrix.groups[g].subjects;
    group_nodes[g].insert(state->subject.node);
    if (row) {
      ++row->subjects;
      auto& groups_of_node = node_groups[row_index];
      if (std::find(groups_of_node.begin(), groups_of_node.end(), g) == groups_of_node.end())
        groups_of_node.push_back(g);
    }
    for (const auto& result : state->results) {
      auto capability = capability_index.find(result.id);
      if (capability == capability_index.end()) {
        capability_ids.push_back(result.id);
        capability =
            capability_index.emplace(capability_ids.back(), capability_ids.size() - 1).first;
        cells.emplace_back(group_keys.size());
      }
      const std::size_t c = capability->second;
      cells[c][g].add(result);
      if (result.requested_but_ignored()) ++matrix.requested_but_ignored;
      if (row) {
        if (row->cells.size() <= c) row->cells.resize(c + 1);
        row->cells[c].add(result);
        if (result.requested_but_ignored()) ++row->requested_but_ignored;
      }
    }
  }
  const auto capability_order = sorted_order(capability_ids);
  const auto group_order = sorted_order(group_keys);
  const auto group_position = inverse(group_order);
  for (std::size_t g = 0; g < matrix.groups.size(); ++g)
    matrix.groups[g].nodes = static_cast<int>(group_nodes[g].size());
  std::vector<Group> groups;
  for (const auto g : group_order) groups.push_back(std::move(matrix.groups[g]));
  matrix.groups = std::move(groups);

  for (const auto c : capability_order) {
    matrix.capabilities.push_back(capability_ids[c]);
    std::vector<Cell> row(group_order.size());
    Cell total;
    for (std::size_t g = 0; g < cells[c].size(); ++g) {
      const Cell& cell = cells[c][g];
      row[group_position[g]] = cell;
      for (std::size_t s = 0; s < kStatuses.size(); ++s) total.counts[s] += cell.counts[s];
      total.subjects += cell.subjects;
      total.requested += cell.requested;
      total.requested_but_ignored += cell.requested_but_ignored;
    }
    matrix.cells.push_back(std::move(row));
    matrix.totals.push_back(total);
  }

  if (with_nodes) {
    for (std::size_t n = 0; n < nodes.size(); ++n) {
      NodeRow& row = nodes[n];
      std::vector<Cell> sorted_cells(capability_order.size());
      for (std::size_t i = 0; i < capability_order.size(); ++i)
        if (capability_order[i] < row.cells.size())
          sorted_cells[i] = row.cells[capability_order[i]];
      row.cells = std::move(sorted_cells);
      for (const auto g : node_groups[n]) row.groups.push_back(group_position[g]);
      std::sort(row.groups.begin(), row.groups.end());
    }
    std::sort(nodes.begin(), nodes.end(),
              [](const NodeRow& a, const NodeRow& b) { return a.node < b.node; });
    matrix.nodes = std::move(nodes);
  }
  return matrix;
}

nlohmann::json cell_json(const Cell& cell) {
  nlohmann::json out = nlohmann::json::object();
  out["subjects"] = cell.subjects;
  out["counts"] = counts_json(cell);
  out["requested"] = cell.requested;
  out["requested_but_ignored"] = cell.requested_but_ignored;
  return out;
}

// Built with moves, never with nested initializer lists: those copy every subtree, and the
// per-node part of a large fleet is most of the cost of this function.
nlohmann::json to_json(const Matrix& matrix, bool with_nodes) {
  using nlohmann::json;
  json out = json::object();
  out["generated_at"] = agent::rfc3339_utc(
      std::chrono::system_clock::time_point(std::chrono::milliseconds(matrix.generated_at_ms)));
  out["subjects"] = matrix.subjects;
  out["stale_subjects"] = matrix.stale_subjects;
  out["stale_after_seconds"] = matrix.stale_after.count();
  out["requested_but_ignored"] = matrix.requested_but_ignored;

  json& statuses = out["statuses"] = json::array();
  for (const auto status : kStatuses) statuses.push_back(probes::to_string(status));

  json& groups = out["groups"] = json::array();
  for (const auto& group : matrix.groups) {
    json entry = json::object();
    entry["key"] = group.key;
    entry["os"] = group.os;
    entry["environment"] = group.environment;
    entry["runtime_class"] = group.runtime_class ? json(*group.runtime_class) : json(nullptr);
    entry["subjects"] = group.subjects;
    entry["nodes"] = group.nodes;
    groups.push_back(std::move(entry));
  }

  json& capabilities = out["capabilities"] = json::array();
  for (std::size_t c = 0; c < matrix.capabilities.size(); ++c) {
    json entry = json::object();
    entry["id"] = matrix.capabilities[c];
    entry["total"] = cell_json(matrix.totals[c]);
    json& by_group = entry["groups"] = json::object();
    for (std::size_t g = 0; g < matrix.groups.size(); ++g)
      if (matrix.cells[c][g].subjects > 0)
        by_group[matrix.groups[g].key] = cell_json(matrix.cells[c][g]);
    capabilities.push_back(std::move(entry));
  }

  if (!with_nodes) return out;
  json& nodes = out["nodes"] = json::array();
  nodes.get_ref<json::array_t&>().reserve(matrix.nodes.size());
  for (const auto& row : matrix.nodes) nodes.push_back(node_json(node_summary(matrix, row)));
  return out;
}

NodeSummary node_summary(const Matrix& matrix, const NodeRow& row) {
  NodeSummary node{row.node, row.subjects, row.stale_subjects, row.requested_but_ignored, {}, {}};
  for (const auto g : row.groups) node.groups.push_back(matrix.groups[g].key);
  for (std::size_t c = 0; c < row.cells.size(); ++c)
    if (!row.cells[c].empty()) node.cells.emplace_back(matrix.capabilities[c], row.cells[c]);
  return node;
}

NodeRow node_row(const Matrix& matrix, const NodeSummary& node) {
  NodeRow row{node.node, node.subjects, node.stale_subjects, {}, {}, node.requested_but_ignored};
  // Both axes are sorted, and so are the node's groups and capabilities: one forward walk each.
  std::size_t g = 0;
  for (const auto& key : node.groups) {
    while (g < matrix.groups.size() && matrix.groups[g].key < key) ++g;
    if (g == matrix.groups.size() || matrix.groups[g].key != key)
      throw std::logic_error("node " + node.node + " is in group " + key + ", not on the axis");
    row.groups.push_back(g);
  }
  row.cells.resize(matrix.capabilities.size());
  std::size_t c = 0;
  for (const auto& [id, cell] : node.cells) {
    while (c < matrix.capabilities.size() && matrix.capabilities[c] < id) ++c;
    if (c == matrix.capabilities.size() || matrix.capabilities[c] != id)
      throw std::logic_error("node " + node.node + " has capability " + id + ", not on the axis");
    row.cells[c] = cell;
  }
  return row;
}

nlohmann::json node_json(const NodeSummary& node) {
  using nlohmann::json;
  json entry = json::object();
  entry["node"] = node.node;
  entry["subjects"] = node.subjects;
  entry["stale_subjects"] = node.stale_subjects;
  json& node_groups = entry["groups"] = json::array();
  for (const auto& key : node.groups) node_groups.push_back(key);
  json& ignored = entry["requested_but_ignored"] = json::array();
  json& by_capability = entry["capabilities"] = json::object();
  for (const auto& [id, cell] : node.cells) {
    by_capability[id] = counts_json(cell);
    if (cell.requested_but_ignored > 0) ignored.push_back(id);
  }
  return entry;
}

std::string json_text(const nlohmann::json& document) {
  return document.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::vector<const SubjectState*> select_subjects(const std::vector<const SubjectState*>& subjects,
                                                 const SubjectFilter& filter, std::int64_t now_ms,
                                                 std::chrono::seconds stale_after) {
  const auto result_matches = [&](const ResultSummary& result) {
    if (filter.capability && result.id != *filter.capability) return false;
    if (filter.status && result.status != *filter.status) return false;
    if (filter.ignored_only && !result.requested_but_ignored()) return false;
    return true;
  };
  const bool by_result = filter.capability || filter.status || filter.ignored_only;
  std::vector<const SubjectState*> selected;
  for (const SubjectState* state : subjects) {
    if (!filter.include_stale && is_stale(*state, now_ms, stale_after)) continue;
    if (filter.group && group_key(state->subject) != *filter.group) continue;
    if (by_result && std::none_of(state->results.begin(), state->results.end(), result_matches))
      continue;
    selected.push_back(state);
  }
  std::sort(selected.begin(), selected.end(), [](const SubjectState* a, const SubjectState* b) {
    return std::tie(a->subject.node, a->key) < std::tie(b->subject.node, b->key);
  });
  return selected;
}

}  // namespace capprobe::collector
