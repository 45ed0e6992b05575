// The collector's HTML pages: the fleet matrix (GET /), the subjects behind a matrix cell
// (GET /nodes?...) and one node's latest reports (GET /nodes/{node}). Self-contained pages (inline
// CSS, no scripts, no external assets) so that they work air-gapped; every value is escaped.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "collector/matrix.hpp"
#include "collector/store.hpp"

namespace capprobe::collector {

std::string html_escape(std::string_view text);

std::string render_matrix_page(const Matrix& matrix);

std::string render_subjects_page(const std::vector<const SubjectState*>& subjects,
                                 const SubjectFilter& filter, std::int64_t now_ms,
                                 std::chrono::seconds stale_after);

struct NodeSubjectView {
  SubjectState state;
  bool stale = false;
  std::optional<nlohmann::json> report;  // the stored latest report, when it could be read
};

std::string render_node_page(const std::string& node, const std::vector<NodeSubjectView>& subjects,
                             const std::vector<HistoryEntry>& history, std::int64_t now_ms);

// A page saying why a request was not answered; `kind` is its heading ("bad request").
std::string render_error_page(const std::string& kind, const std::string& message);
std::string render_not_found_page(const std::string& message);

}  // namespace capprobe::collector
