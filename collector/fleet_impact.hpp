// GET /api/v1/impact?k8s_version=X.Y and the /impact page: per group of the fleet (os /
// environment / runtime class, as the matrix groups), the upstream e2e tests its subjects'
// latest reports predict to fail, the unknown ones, and the profile verdicts (impact/).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "agent/report.hpp"
#include "impact/mapping.hpp"

namespace capprobe::collector {

// `latest`: each fresh subject's latest report. Each group: its subjects, each predicted test
// with how many subjects predict it (and the first one's reason), each unknown test likewise,
// the skip regex of every test predicted for any subject of the group, and per profile how many
// subjects pass, fail or are untested.
nlohmann::json fleet_impact(const std::vector<agent::Report>& latest,
                            const impact::Mapping& mapping);

// The same as an HTML page, one section per group.
std::string render_impact_page(const nlohmann::json& fleet_impact, std::int64_t now_ms);

}  // namespace capprobe::collector
