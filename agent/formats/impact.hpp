// The conformance impact (impact/predict.hpp) and a profile's verdicts in the formats `capprobe
// impact` and `capprobe probe --impact` speak: table, json, junit.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "agent/report.hpp"
#include "impact/predict.hpp"
#include "impact/profiles.hpp"

namespace capprobe::agent {

struct ImpactView {
  impact::Impact impact;
  std::optional<impact::ProfileVerdict> profile;
};

// The impact's JSON (DESIGN.md), with "profile" when one was judged.
nlohmann::json impact_json(const ImpactView& view);

std::string render_impact_table(const ImpactView& view);
std::string render_impact_json(const ImpactView& view);
// A JUnit document: each predicted test a failure, each unknown one skipped, each profile
// requirement a testcase (fail: failure, untested: skipped).
std::string render_impact_junit(const ImpactView& view);

// The <testsuite> elements of that document, for the report's own JUnit (probe --impact) and
// their counts.
struct JunitSuites {
  std::string xml;
  int tests = 0, failures = 0, skipped = 0;
};
JunitSuites impact_junit_suites(const ImpactView& view);

// Sonobuoy's manual results (render_sonobuoy) with the impact, and the profile when judged, as
// items after the capabilities: each predicted test a failed child, each unknown one skipped.
std::string render_sonobuoy_with_impact(const Report& report, const ImpactView& view);

// The report's JUnit (render_junit) with the impact's suites after its own.
std::string render_junit_with_impact(const Report& report, const ImpactView& view);

}  // namespace capprobe::agent
