#include "impact/mapping.hpp"

#include <algorithm>
#include <stdexcept>

namespace capprobe::impact {
namespace {

[[noreturn]] void malformed(const std::string& where, const std::string& what) {
  throw std::runtime_error("impact mapping: " + where + ": " + what);
}

std::vector<probes::Status> statuses(const nlohmann::json& words, const std::string& where) {
  std::vector<probes::Status> out;
  for (const auto& word : words) {
    const auto status = probes::status_from_string(word.get<std::string>());
    if (!status) malformed(where, "unknown status '" + word.get<std::string>() + "'");
    out.push_back(*status);
  }
  return out;
}

std::vector<std::string> strings(const nlohmann::json& json, const char* key) {
  if (!json.contains(key)) return {};
  return json.at(key).get<std::vector<std::string>>();
}

std::optional<std::string> optional_string(const nlohmann::json& json, const char* key) {
  if (!json.contains(key)) return std::nullopt;
  return json.at(key).get<std::string>();
}

Condition condition_from_json(const nlohmann::json& json, const std::string& where) {
  static const std::vector<std::string> known{"status",      "requested",        "os",
                                              "environment", "evidence_present", "ignored_field"};
  for (const auto& [key, value] : json.items())
    if (std::find(known.begin(), known.end(), key) == known.end())
      malformed(where, "unknown condition '" + key + "'");
  Condition condition;
  condition.status = statuses(json.at("status"), where);
  if (json.contains("requested")) condition.requested = json.at("requested").get<bool>();
  condition.os = optional_string(json, "os");
  condition.environment = strings(json, "environment");
  condition.evidence_present = optional_string(json, "evidence_present");
  condition.ignored_field = optional_string(json, "ignored_field");
  return condition;
}

Rule rule_from_json(const nlohmann::json& json) {
  Rule rule;
  rule.id = json.at("id").get<std::string>();
  const auto where = "rule " + rule.id;
  rule.capability = json.at("capability").get<std::string>();
  if (json.contains("when")) rule.when = condition_from_json(json.at("when"), where);
  if (json.contains("documented")) {
    const auto& doc = json.at("documented");
    Documented documented;
    documented.flavors = strings(doc, "flavor");
    documented.source = doc.at("source").get<std::string>();
    if (doc.contains("measured_overrides"))
      documented.measured_overrides = doc.at("measured_overrides").get<bool>();
    if (documented.flavors.empty() || documented.source.empty())
      malformed(where, "a documented rule needs flavors and a source");
    rule.documented = documented;
  }
  if (rule.when.has_value() == rule.documented.has_value())
    malformed(where, "needs exactly one of 'when' and 'documented'");
  if (json.contains("unknown_when")) rule.unknown_when = statuses(json.at("unknown_when"), where);
  rule.reason = json.at("reason").get<std::string>();
  rule.e2e_file = json.at("e2e_file").get<std::string>();
  rule.tests = json.at("tests").get<std::vector<std::string>>();
  if (rule.tests.empty()) malformed(where, "maps no tests");
  return rule;
}

}  // namespace

Mapping mapping_from_json(const nlohmann::json& json) {
  Mapping mapping;
  mapping.k8s_version = json.at("k8s_version").get<std::string>();
  mapping.test_list_file = json.at("test_list").at("file").get<std::string>();
  mapping.test_list_source = json.at("test_list").at("source").get<std::string>();
  for (const auto& rule : json.at("rules")) mapping.rules.push_back(rule_from_json(rule));
  return mapping;
}

}  // namespace capprobe::impact
