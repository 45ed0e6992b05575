// `capprobe list`: the capability catalog as an aligned table or a JSON array.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "probes/probe.hpp"

namespace capprobe::agent {

// [{id, title, pod_spec_field, platforms, cost, timeout_ms}], in catalog order.
nlohmann::json catalog_json(const std::vector<probes::Probe>& probes);
std::string render_catalog_table(const std::vector<probes::Probe>& probes);

}  // namespace capprobe::agent
