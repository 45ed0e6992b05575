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

std::string render_catalog_table(const std::vector<probes::Probe>& probes) {
  using Row = std::array<std::string, 5>;
  std::vector<Row> rows{{"ID", "TITLE", "POD-SPEC FIELD", "PLATFORMS", "COST"}};
  for (const auto& probe : probes)
    rows.push_back({probe.info.id, probe.info.title,
                    probe.info.pod_spec_field.empty() ? "-" : probe.info.pod_spec_field,
                    joined(probe.info.platforms), cost_word(probe.info.cost)});
  std::array<std::size_t, 5> widths{};
  for (const auto& row : rows)
    for (std::size_t column = 0; column < row.size(); ++column)
      widths[column] = std::max(widths[column], row[column].size());
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t column = 0; column < row.size(); ++column)
      line += row[column] + (column + 1 < row.size()
                                 ? std::string(widths[column] - row[column].size() + 2, ' ')
                                 : "");
    out += line + "\n";
  }
  return out;
}

}  // namespace capprobe::agent
