#include "agent/formats/impact.hpp"

#include <map>
#include <vector>

#include "agent/formats/escape.hpp"

namespace capprobe::agent {
namespace {

std::string attr(std::string_view name, std::string_view value) {
  std::string out(" ");
  out.append(name).append("=\"").append(escape::xml(value, true)).append("\"");
  return out;
}

std::string indent_wrapped(const std::string& text, const std::string& prefix) {
  return prefix + escape::utf8(text) + "\n";
}

}  // namespace

nlohmann::json impact_json(const ImpactView& view) {
  auto json = impact::to_json(view.impact);
  if (view.profile) json["profile"] = impact::to_json(*view.profile);
  return json;
}

std::string render_impact_json(const ImpactView& view) {
  return escape::json(impact_json(view), 2) + "\n";
}

std::string render_impact_table(const ImpactView& view) {
  const auto& impact = view.impact;
  std::string out = "CONFORMANCE IMPACT (Kubernetes " + impact.k8s_version + ")\n";
  // Predicted tests grouped by their evidence: one reason, its tests below it.
  std::vector<std::string> predicted_order;
  std::map<std::string, std::vector<const impact::PredictedTest*>> predicted;
  for (const auto& test : impact.tests) {
    const auto key = test.capability + ", " + test.basis + ": " + test.reason;
    if (!predicted.count(key)) predicted_order.push_back(key);
    predicted[key].push_back(&test);
  }
  out += "Predicted to fail or not to run: " + std::to_string(impact.tests.size()) + " tests\n";
  for (const auto& key : predicted_order) {
    out += indent_wrapped(key, "  ");
    for (const auto* test : predicted[key]) out += indent_wrapped(test->name, "      ");
  }
  // Unknown tests grouped by what leaves them unknown: one reason, its tests below it.
  std::vector<std::string> order;
  std::map<std::string, std::vector<const impact::UnknownTest*>> groups;
  for (const auto& test : impact.unknown) {
    const auto key = test.capability + ": " + test.reason;
    if (!groups.count(key)) order.push_back(key);
    groups[key].push_back(&test);
  }
  out += "Unknown (the report cannot tell): " + std::to_string(impact.unknown.size()) + " tests\n";
  for (const auto& key : order) {
    out += indent_wrapped(key, "  ");
    for (const auto* test : groups[key]) out += indent_wrapped(test->name, "      ");
  }
  out += std::string("Skip regex (--ginkgo.skip): ") + (impact.skip_regex.empty() ? "none" : "") +
         "\n";
  if (!impact.skip_regex.empty()) out += "  " + escape::utf8(impact.skip_regex) + "\n";
  if (view.profile) {
    const auto& verdict = *view.profile;
    out += "\nPROFILE " + verdict.profile->name + ": " + verdict.verdict + " (" +
           verdict.profile->title + ")\n";
    for (const auto& one : verdict.requirements) {
      std::string word = one.verdict;
      word.resize(9, ' ');
      out += "  " + word + one.requirement->text + "\n";
      out += "           " + escape::utf8(one.reason) + "\n";
    }
  }
  return out;
}

JunitSuites impact_junit_suites(const ImpactView& view) {
  JunitSuites suites;
  const auto& impact = view.impact;
  std::string cases;
  for (const auto& test : impact.tests)
    cases += "    <testcase" + attr("name", test.name) + attr("classname", "capprobe.impact") +
             ">\n      <failure" + attr("message", test.reason) +
             attr("type", "predicted_" + test.basis) + ">" +
             escape::xml(test.capability + " (" + test.basis + ")") +
             "</failure>\n    </testcase>\n";
  for (const auto& test : impact.unknown)
    cases += "    <testcase" + attr("name", test.name) + attr("classname", "capprobe.impact") +
             ">\n      <skipped" + attr("message", "unknown: " + test.reason) +
             "/>\n    </testcase>\n";
  const auto count = impact.tests.size() + impact.unknown.size();
  suites.xml +=
      "  <testsuite" + attr("name", "capprobe impact k8s " + impact.k8s_version) +
      attr("tests", std::to_string(count)) + attr("failures", std::to_string(impact.tests.size())) +
      attr("errors", "0") + attr("skipped", std::to_string(impact.unknown.size())) +
      ">\n    <properties>\n      <property" + attr("name", "skip_regex") +
      attr("value", impact.skip_regex) + "/>\n    </properties>\n" + cases + "  </testsuite>\n";
  suites.tests += static_cast<int>(count);
  suites.failures += static_cast<int>(impact.tests.size());
  suites.skipped += static_cast<int>(impact.unknown.size());
  if (view.profile) {
    const auto& verdict = *view.profile;
    std::string profile_cases;
    int failures = 0, skipped = 0;
    const auto classname = "capprobe.profile." + verdict.profile->name;
    for (const auto& one : verdict.requirements) {
      profile_cases += "    <testcase" +
                       attr("name", one.requirement->id + ": " + one.requirement->text) +
                       attr("classname", classname) + ">\n";
      if (one.verdict == "fail") {
        ++failures;
        profile_cases += "      <failure" + attr("message", one.reason) +
                         attr("type", "profile_requirement") + "></failure>\n";
      } else if (one.verdict == "untested") {
        ++skipped;
        profile_cases += "      <skipped" + attr("message", "untested: " + one.reason) + "/>\n";
      }
      profile_cases += "    </testcase>\n";
    }
    const auto total = static_cast<int>(verdict.requirements.size());
    suites.xml += "  <testsuite" + attr("name", "capprobe profile " + verdict.profile->name) +
                  attr("tests", std::to_string(total)) +
                  attr("failures", std::to_string(failures)) + attr("errors", "0") +
                  attr("skipped", std::to_string(skipped)) + ">\n" + profile_cases +
                  "  </testsuite>\n";
    suites.tests += total;
    suites.failures += failures;
    suites.skipped += skipped;
  }
  return suites;
}

std::string render_impact_junit(const ImpactView& view) {
  const auto suites = impact_junit_suites(view);
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites" +
         attr("name", "capprobe impact") + attr("tests", std::to_string(suites.tests)) +
         attr("failures", std::to_string(suites.failures)) + attr("errors", "0") +
         attr("skipped", std::to_string(suites.skipped)) + ">\n" + suites.xml + "</testsuites>\n";
}

}  // namespace capprobe::agent
