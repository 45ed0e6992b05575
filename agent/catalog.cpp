// The catalog listing, straight from the registered probes' ProbeInfo.
#include "agent/catalog.hpp"

#include <algorithm>
#include <array>

namespace capprobe::agent {
namespace {

std::string cost_word(probes::Cost cost) {
  return cost == probes::Cost::heavy ? "heavy" : "light";
}

std::string joined(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& word : words) out += (out.empty() ? "" : ",") + word;
  return out;
}

constexpr std::size_t kWidth = 100;

// Splits "a, b, c" into lines of at most `columns` after a comma; a single longer item stays
// whole rather than being cut.
std::vector<std::string> wrap_at_commas(const std::string& text, std::size_t columns) {
  std::vector<std::string> lines{""};
  std::size_t start = 0;
  while (start < text.size()) {
    auto end = text.find(", ", start);
    end = end == std::string::npos ? text.size() : end + 2;
    const auto item = text.substr(start, end - start);
    if (!lines.back().empty() && lines.back().size() + item.size() > columns + 1) {
      while (!lines.back().empty() && lines.back().back() == ' ') lines.back().pop_back();
      lines.emplace_back();
    }
    lines.back() += item;
    start = end;
  }
  return lines;
}

}  // namespace

nlohmann::json catalog_json(const std::vector<probes::Probe>& probes) {
  auto list = nlohmann::json::array();
  for (const auto& probe : probes)
    list.push_back({{"id", probe.info.id},
                    {"title", probe.info.title},
                    {"pod_spec_field", probe.info.pod_spec_field},
                    {"platforms", probe.info.platforms},
                    {"cost", cost_word(probe.info.cost)},
                    {"timeout_ms", probe.info.timeout.count()}});
  return list;
}

// One entry per id, its title on the id's line (so `capprobe list | grep host` finds it) and
// the pod-spec field on an aligned second line: the field texts are long, and two columns of
// them would not fit a 100-column terminal.
std::string render_catalog_table(const std::vector<probes::Probe>& probes) {
  using Row = std::array<std::string, 4>;
  std::vector<Row> rows{{"ID", "PLATFORMS", "COST", "TITLE / POD-SPEC FIELD"}};
  for (const auto& probe : probes)
    rows.push_back({probe.info.id, joined(probe.info.platforms), cost_word(probe.info.cost),
                    probe.info.title});
  std::array<std::size_t, 3> widths{};
  for (const auto& row : rows)
    for (std::size_t column = 0; column < widths.size(); ++column)
      widths[column] = std::max(widths[column], row[column].size());
  std::size_t last_column = 0;
  for (const auto width : widths) last_column += width + 2;

  std::string out;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    for (std::size_t column = 0; column < widths.size(); ++column)
      out += rows[i][column] + std::string(widths[column] - rows[i][column].size() + 2, ' ');
    out += rows[i][3] + "\n";
    if (i == 0) continue;
    const auto& field = probes[i - 1].info.pod_spec_field;
    const std::string label = "pod spec: ";
    const auto pieces = wrap_at_commas(field.empty() ? "-" : field,
                                       kWidth - std::min(kWidth, last_column + label.size()));
    for (std::size_t p = 0; p < pieces.size(); ++p)
      out += std::string(last_column, ' ') + (p == 0 ? label : std::string(label.size(), ' ')) +
             pieces[p] + "\n";
  }
  return out;
}

}  // namespace capprobe::agent
