#include "impact/predict.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "impact/skip_regex.hpp"

namespace capprobe::impact {
namespace {

using probes::CapabilityResult;
using probes::Status;

const CapabilityResult* find_result(const agent::Report& report, const std::string& id) {
  for (const auto& result : report.results)
    if (result.id == id) return &result;
  return nullptr;
}

bool contains(const std::vector<Status>& statuses, Status status) {
  return std::find(statuses.begin(), statuses.end(), status) != statuses.end();
}

// A dotted path into the evidence ("asked.run_as_user_name"): present and not null.
bool evidence_present(const nlohmann::json& evidence, const std::string& path) {
  const nlohmann::json* node = &evidence;
  std::size_t start = 0;
  while (start <= path.size()) {
    auto end = path.find('.', start);
    if (end == std::string::npos) end = path.size();
    const auto key = path.substr(start, end - start);
    if (!node->is_object() || !node->contains(key)) return false;
    node = &node->at(key);
    start = end + 1;
  }
  return !node->is_null();
}

bool ignored_ask(const nlohmann::json& evidence, const std::string& field_prefix) {
  const auto asks = evidence.find("requested_confinement");
  if (asks == evidence.end() || !asks->is_array()) return false;
  return std::any_of(asks->begin(), asks->end(), [&](const nlohmann::json& ask) {
    const auto field = ask.value("field", std::string());
    const auto in_effect = ask.find("in_effect");
    return field.rfind(field_prefix, 0) == 0 && in_effect != ask.end() && in_effect->is_boolean() &&
           !in_effect->get<bool>();
  });
}

// Whether the rule speaks about this report at all (its OS).
bool in_scope(const Condition& when, const agent::Report& report) {
  return !when.os || *when.os == report.subject.os;
}

bool holds(const Condition& when, const CapabilityResult& result, const agent::Report& report) {
  if (!when.environment.empty() && std::find(when.environment.begin(), when.environment.end(),
                                             report.subject.environment) == when.environment.end())
    return false;
  if (!contains(when.status, result.status)) return false;
  if (when.requested && result.requested != when.requested) return false;
  if (when.evidence_present && !evidence_present(result.evidence, *when.evidence_present))
    return false;
  if (when.ignored_field && !ignored_ask(result.evidence, *when.ignored_field)) return false;
  return true;
}

std::string status_text(const CapabilityResult& result) {
  return result.id + " is " + std::string(probes::to_string(result.status)) + ": " + result.summary;
}

// Collects predictions and unknowns, each name once; a prediction removes the name from the
// unknowns (evidence from one rule beats silence from another).
class Collector {
 public:
  void predict(const Rule& rule, const std::string& basis, const std::string& reason) {
    for (const auto& name : rule.tests) {
      if (!predicted_.insert(name).second) continue;
      tests_.push_back({name, tags_of(name), rule.capability, basis, reason, rule.id});
    }
  }
  void unknown(const Rule& rule, const std::string& reason) {
    for (const auto& name : rule.tests)
      if (unknown_.emplace(name, UnknownTest{name, tags_of(name), rule.capability, reason}).second)
        unknown_order_.push_back(name);
  }
  Impact finish(const std::string& version) {
    Impact impact;
    impact.k8s_version = version;
    impact.tests = std::move(tests_);
    for (const auto& name : unknown_order()) impact.unknown.push_back(unknown_.at(name));
    std::vector<std::string> names;
    for (const auto& test : impact.tests) names.push_back(test.name);
    impact.skip_regex = skip_regex(names);
    return impact;
  }

 private:
  std::vector<std::string> unknown_order() const {
    std::vector<std::string> names;
    for (const auto& name : unknown_order_)
      if (!predicted_.count(name)) names.push_back(name);
    return names;
  }
  std::set<std::string> predicted_;
  std::vector<PredictedTest> tests_;
  std::map<std::string, UnknownTest> unknown_;
  std::vector<std::string> unknown_order_;  // as the rules list them
};

void apply_measured(const Rule& rule, const agent::Report& report, Collector& out) {
  const auto& when = *rule.when;
  if (!in_scope(when, report)) return;
  const auto* result = find_result(report, rule.capability);
  if (result == nullptr) {
    out.unknown(rule, rule.capability + " is not in this report");
    return;
  }
  if (holds(when, *result, report)) {
    out.predict(rule, kMeasured, rule.reason + ". Measured: " + result->summary);
    return;
  }
  if (contains(rule.unknown_when, result->status)) out.unknown(rule, status_text(*result));
}

void apply_documented(const Rule& rule, const agent::Report& report, Collector& out) {
  const auto& doc = *rule.documented;
  const auto* isolation = find_result(report, "isolation.kernel");
  if (isolation == nullptr || isolation->status == Status::untested ||
      isolation->status == Status::error) {
    out.unknown(rule, isolation == nullptr
                          ? "isolation.kernel is not in this report, so the isolation flavor "
                            "whose documented limits decide these tests is unknown"
                          : status_text(*isolation));
    return;
  }
  const auto flavor = isolation->evidence.value("flavor", nlohmann::json()).is_string()
                          ? isolation->evidence.at("flavor").get<std::string>()
                          : std::string();
  if (std::find(doc.flavors.begin(), doc.flavors.end(), flavor) == doc.flavors.end()) return;
  // The report's own measurement beats a document: the capability demonstrated working here.
  if (doc.measured_overrides) {
    const auto* result = find_result(report, rule.capability);
    if (result != nullptr && result->status == Status::supported) return;
  }
  out.predict(rule, kDocumented,
              rule.reason + ". Isolation flavor " + flavor + " (" + isolation->summary +
                  "); source: " + doc.source);
}

}  // namespace

std::vector<std::string> tags_of(const std::string& name) {
  std::vector<std::string> tags;
  std::size_t open = name.find('[');
  while (open != std::string::npos) {
    const auto close = name.find(']', open);
    if (close == std::string::npos) break;
    tags.push_back(name.substr(open + 1, close - open - 1));
    open = name.find('[', close);
  }
  return tags;
}

Impact predict(const agent::Report& report, const Mapping& mapping) {
  Collector out;
  for (const auto& rule : mapping.rules)
    if (rule.when) apply_measured(rule, report, out);
  for (const auto& rule : mapping.rules)
    if (rule.documented) apply_documented(rule, report, out);
  return out.finish(mapping.k8s_version);
}

nlohmann::json to_json(const Impact& impact) {
  auto tests = nlohmann::json::array();
  for (const auto& test : impact.tests)
    tests.push_back({{"name", test.name},
                     {"tags", test.tags},
                     {"capability", test.capability},
                     {"basis", test.basis},
                     {"reason", test.reason},
                     {"rule", test.rule}});
  auto unknown = nlohmann::json::array();
  for (const auto& test : impact.unknown)
    unknown.push_back({{"name", test.name},
                       {"tags", test.tags},
                       {"capability", test.capability},
                       {"reason", test.reason}});
  return {{"k8s_version", impact.k8s_version},
          {"tests", tests},
          {"unknown", unknown},
          {"skip_regex", impact.skip_regex}};
}

}  // namespace capprobe::impact
