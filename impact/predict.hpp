// The impact of a report (DESIGN.md "Conformance impact"): the e2e tests it predicts to fail or
// not to run, each with the evidence, and those it cannot tell about.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "agent/report.hpp"
#include "impact/mapping.hpp"

namespace capprobe::impact {

inline constexpr const char* kMeasured = "measured";
inline constexpr const char* kDocumented = "documented";

struct PredictedTest {
  std::string name;               // the full Ginkgo name, as the version's test list spells it
  std::vector<std::string> tags;  // the bracketed words of the name: "sig-network", "Conformance"
  std::string capability;
  std::string basis;   // kMeasured or kDocumented
  std::string reason;  // the rule's reason and the evidence (the result's summary, or the source)
  std::string rule;    // the mapping rule's id
};

// A test the report cannot tell about: the capability that would decide is untested, errored
// or absent.
struct UnknownTest {
  std::string name;
  std::vector<std::string> tags;
  std::string capability;
  std::string reason;
};

struct Impact {
  std::string k8s_version;
  std::vector<PredictedTest> tests;
  std::vector<UnknownTest> unknown;
  std::string skip_regex;  // --ginkgo.skip for exactly `tests`; "" when none
};

// A test is predicted only from evidence (a measured rule whose condition holds) or from a
// limitation documented for the report's isolation flavor; where the report cannot tell, the
// test is unknown. A test predicted by several rules is listed once, measured before documented.
Impact predict(const agent::Report& report, const Mapping& mapping);

// "[sig-network] DNS should ... [Conformance]" -> {"sig-network", "Conformance"}
std::vector<std::string> tags_of(const std::string& name);

nlohmann::json to_json(const Impact& impact);

}  // namespace capprobe::impact
