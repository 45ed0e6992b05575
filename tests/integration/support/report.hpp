// Reading capprobe's JSON report as an outside tool would: parse it, find a result by id, and
// list every way it departs from the contract of DESIGN.md (envelope, result model, the
// evidence keys that other tools read).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/integration/support/run.hpp"

namespace capprobe::it {

// The 15 catalog ids of DESIGN.md ("Capability catalog"): stable API.
const std::vector<std::string>& catalog_ids();

// The report capprobe printed on stdout. Throws std::runtime_error (with describe(run)) when
// stdout is not one JSON object.
nlohmann::json parse_report(const RunResult& run);

// The result with this id. Throws std::runtime_error naming the ids present when it is missing.
const nlohmann::json& result_of(const nlohmann::json& report, std::string_view id);

// The ids of report.results, in order.
std::vector<std::string> result_ids(const nlohmann::json& report);

// Contract departures, one sentence each; empty when the part is as DESIGN.md says.
std::vector<std::string> envelope_problems(const nlohmann::json& report);
std::vector<std::string> result_problems(const nlohmann::json& result);    // the result model
std::vector<std::string> evidence_problems(const nlohmann::json& result);  // the reserved keys

// A result in one line for failure messages: id, status, observed, requested, summary, evidence.
std::string brief(const nlohmann::json& result);

}  // namespace capprobe::it
