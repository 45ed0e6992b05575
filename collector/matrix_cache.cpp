// Matrix caching keyed by the tally's version; the JSON with nodes is the top part's text with
// the nodes' texts appended, each rendered once by the tally when its node changed.
#include "collector/matrix_cache.hpp"

#include <utility>

namespace capprobe::collector {

void MatrixCache::refresh(std::int64_t now_ms) {
  Entry next;
  fleet_.with_matrix(now_ms, stale_after_, [&](const MatrixTally& tally) {
    if (entry_.valid && entry_.version == tally.version()) return;
    next.valid = true;
    next.version = tally.version();
    next.groups_only = std::make_shared<const Matrix>(tally.matrix(now_ms));
    next.nodes = tally.nodes();
  });
  // Swapped out of the fleet's lock, so that the old entry's texts are freed outside it too.
  if (next.valid) std::swap(entry_, next);
}

std::shared_ptr<const Matrix> MatrixCache::matrix(std::int64_t now_ms) {
  std::lock_guard lock(mutex_);
  refresh(now_ms);
  if (!entry_.with_nodes) {
    auto matrix = std::make_shared<Matrix>(*entry_.groups_only);
    matrix->nodes.reserve(entry_.nodes.size());
    for (const auto& node : entry_.nodes) matrix->nodes.push_back(node_row(*matrix, node->summary));
    entry_.with_nodes = std::move(matrix);
  }
  return entry_.with_nodes;
}

std::shared_ptr<const std::string> MatrixCache::json(std::int64_t now_ms, bool with_nodes) {
  std::lock_guard lock(mutex_);
  refresh(now_ms);
  auto& text = entry_.json[with_nodes ? 1 : 0];
  if (!text) text = std::make_shared<const std::string>(render(with_nodes));
  return text;
}

// The document is to_json(matrix, with_nodes) with "nodes" moved last (a test holds them equal);
// every node text was serialised by nlohmann, so every value is still escaped by it.
std::string MatrixCache::render(bool with_nodes) const {
  std::string out = json_text(to_json(*entry_.groups_only, false));
  if (!with_nodes) return out;
  std::size_t size = out.size() + 16;
  for (const auto& node : entry_.nodes) size += node->json.size() + 1;
  out.reserve(size);
  out.pop_back();  // the closing brace of the top-level object
  out += ",\"nodes\":[";
  bool first = true;
  for (const auto& node : entry_.nodes) {
    if (!first) out += ',';
    out += node->json;
    first = false;
  }
  out += "]}";
  return out;
}

}  // namespace capprobe::collector
