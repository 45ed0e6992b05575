// Matrix caching keyed by the fleet's version and the matrix's own validity horizon, and the
// per-node JSON kept per node while its row is unchanged.
#include "collector/matrix_cache.hpp"

namespace capprobe::collector {
namespace {

std::string dump(const nlohmann::json& document) {
  return document.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::vector<std::string> group_keys(const Matrix& matrix) {
  std::vector<std::string> keys;
  for (const auto& group : matrix.groups) keys.push_back(group.key);
  return keys;
}

}  // namespace

bool MatrixCache::fresh(std::uint64_t version, std::int64_t now_ms) const {
  return entry_.matrix && entry_.version == version && now_ms < entry_.valid_until_ms;
}

void MatrixCache::refresh(std::int64_t now_ms) {
  fleet_.visit([&](const std::vector<const SubjectState*>& subjects, std::uint64_t version) {
    if (fresh(version, now_ms)) return;
    auto matrix = std::make_shared<Matrix>(compute_matrix(subjects, now_ms, stale_after_, true));
    entry_ = Entry{version, matrix->valid_until_ms, std::move(matrix), {}};
  });
}

std::shared_ptr<const Matrix> MatrixCache::matrix(std::int64_t now_ms) {
  std::lock_guard lock(mutex_);
  refresh(now_ms);
  return entry_.matrix;
}

std::shared_ptr<const std::string> MatrixCache::json(std::int64_t now_ms, bool with_nodes) {
  std::lock_guard lock(mutex_);
  refresh(now_ms);
  auto& text = entry_.json[with_nodes ? 1 : 0];
  if (!text) text = std::make_shared<const std::string>(render(*entry_.matrix, with_nodes));
  return text;
}

// The document is to_json(matrix, with_nodes) (a test holds them equal); the per-node array is
// joined from node texts that nlohmann serialised, so every value is still escaped by it.
std::string MatrixCache::render(const Matrix& matrix, bool with_nodes) {
  std::string out = dump(to_json(matrix, false));
  if (!with_nodes) return out;

  auto groups = group_keys(matrix);
  if (matrix.capabilities != text_capabilities_ || groups != text_groups_) {
    node_texts_.clear();
    text_capabilities_ = matrix.capabilities;
    text_groups_ = std::move(groups);
  }
  ++renders_;
  out.pop_back();  // the closing brace of the top-level object
  out += ",\"nodes\":[";
  bool first = true;
  for (const auto& row : matrix.nodes) {
    auto& cached = node_texts_[row.node];
    if (cached.text.empty() || !(cached.row == row)) {
      cached.row = row;
      cached.text = dump(node_json(matrix, row));
    }
    cached.used = renders_;
    if (!first) out += ',';
    out += cached.text;
    first = false;
  }
  out += "]}";
  std::erase_if(node_texts_, [&](const auto& entry) { return entry.second.used != renders_; });
  return out;
}

}  // namespace capprobe::collector
