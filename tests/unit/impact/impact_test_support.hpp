// What the impact tests share: the fixture reports of tests/fixtures/impact/ and the committed
// e2e test lists of impact/data/lists/.
#pragma once

#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "agent/report.hpp"
#include "impact/predict.hpp"

namespace capprobe::impact::testing {

inline std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// tests/fixtures/impact/<name>.json: a report of one modelled environment.
inline agent::Report fixture_report(const std::string& name) {
  return agent::report_from_json(nlohmann::json::parse(
      read_text(std::string(CAPPROBE_FIXTURES) + "/impact/" + name + ".json")));
}

// The version's whole e2e test list, one name a line (impact/data/lists/).
inline std::vector<std::string> test_list(const std::string& list_file) {
  std::istringstream text(read_text(std::string(CAPPROBE_SOURCE_DIR) + "/" + list_file));
  std::vector<std::string> names;
  for (std::string line; std::getline(text, line);)
    if (!line.empty()) names.push_back(line);
  return names;
}

inline std::set<std::string> predicted_names(const Impact& impact) {
  std::set<std::string> names;
  for (const auto& test : impact.tests) names.insert(test.name);
  return names;
}

inline std::set<std::string> unknown_names(const Impact& impact) {
  std::set<std::string> names;
  for (const auto& test : impact.unknown) names.insert(test.name);
  return names;
}

inline const PredictedTest* find_test(const Impact& impact, const std::string& name) {
  for (const auto& test : impact.tests)
    if (test.name == name) return &test;
  return nullptr;
}

inline const std::vector<std::string>& fixture_names() {
  static const std::vector<std::string> names{"runc-node",       "runc-pod-ignored",
                                              "kata-guest",      "vsphere-pod",
                                              "windows-process", "windows-hostprocess"};
  return names;
}

}  // namespace capprobe::impact::testing
