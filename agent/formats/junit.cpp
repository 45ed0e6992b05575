// The junit format: one <testcase> per capability, for CI tools and Sonobuoy's
// `result-format: junit`. What is a failure, error or skip is decided in outcome.hpp; the full
// result (summary and evidence) is the testcase's <system-out>, as JSON.
#include <cstdio>
#include <string>

#include "agent/formats/escape.hpp"
#include "agent/formats/format.hpp"
#include "agent/formats/impact.hpp"
#include "agent/formats/outcome.hpp"
#include "probes/common/judge.hpp"

namespace capprobe::agent {
namespace {

using probes::CapabilityResult;

std::string seconds(std::int64_t milliseconds) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3f", static_cast<double>(milliseconds) / 1000.0);
  return text;
}

std::string attr(std::string_view name, std::string_view value) {
  // Appended piece by piece: GCC 12 -O3 warns falsely (-Wrestrict) on `" " + std::string`.
  std::string out(" ");
  out.append(name).append("=\"").append(escape::xml(value, true)).append("\"");
  return out;
}

// "fs.symlink" -> "capprobe.fs": CI tools group test cases by class name.
std::string class_name(const std::string& id) {
  const auto dot = id.find('.');
  return "capprobe." + (dot == std::string::npos ? id : id.substr(0, dot));
}

// The JUnit schema's timestamp has no zone designator; started_at is UTC by contract.
std::string junit_timestamp(std::string started_at) {
  if (!started_at.empty() && (started_at.back() == 'Z' || started_at.back() == 'z'))
    started_at.pop_back();
  return started_at;
}

std::string testcase(const CapabilityResult& result) {
  std::string out = "    <testcase" + attr("name", result.id) +
                    attr("classname", class_name(result.id)) +
                    attr("time", seconds(result.duration_ms)) + ">\n";
  const auto status = std::string(probes::to_string(result.status));
  switch (test_outcome(result)) {
    case TestOutcome::failed:
      // The summary already starts with the prefix when the probe used mark_ignored; it is
      // added only when a probe worded its verdict otherwise.
      out += "      <failure" +
             attr("message", result.summary.rfind(probes::kIgnoredPrefix, 0) == 0
                                 ? result.summary
                                 : std::string(probes::kIgnoredPrefix) + result.summary) +
             attr("type", "requested_but_ignored") + ">" +
             escape::xml("observed: " + result.observed) + "</failure>\n";
      break;
    case TestOutcome::errored:
      out += "      <error" + attr("message", result.summary) + attr("type", "probe_error") +
             "></error>\n";
      break;
    case TestOutcome::skipped:
      out += "      <skipped" + attr("message", status + ": " + result.summary) + "/>\n";
      break;
    case TestOutcome::passed:
      break;
  }
  out += "      <system-out>" + escape::xml(escape::json(probes::to_json(result), 2)) +
         "</system-out>\n";
  out += "    </testcase>\n";
  return out;
}

// The report's suite, then `extra` (the impact's suites) in the same document; the document's
// counts add theirs.
std::string junit_document(const Report& report, const JunitSuites* extra) {
  int failures = 0, errors = 0, skipped = 0;
  std::string cases;
  for (const auto& result : report.results) {
    const auto outcome = test_outcome(result);
    failures += outcome == TestOutcome::failed;
    errors += outcome == TestOutcome::errored;
    skipped += outcome == TestOutcome::skipped;
    cases += testcase(result);
  }
  const auto counts =
      attr("tests", std::to_string(report.results.size())) +
      attr("failures", std::to_string(failures)) + attr("errors", std::to_string(errors)) +
      attr("skipped", std::to_string(skipped)) + attr("time", seconds(report.duration_ms));
  const auto all = [&] {
    if (extra == nullptr) return counts;
    return attr("tests", std::to_string(report.results.size() + extra->tests)) +
           attr("failures", std::to_string(failures + extra->failures)) +
           attr("errors", std::to_string(errors)) +
           attr("skipped", std::to_string(skipped + extra->skipped)) +
           attr("time", seconds(report.duration_ms));
  }();
  const auto& subject = report.subject;
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += "<testsuites" + attr("name", "capprobe") + all + ">\n";
  out += "  <testsuite" + attr("name", "capprobe " + subject.node) + counts +
         attr("hostname", subject.node) + attr("timestamp", junit_timestamp(report.started_at)) +
         attr("id", "0") + ">\n";
  out += "    <properties>\n";
  const auto property = [&](std::string_view name, const std::string& value) {
    out += "      <property" + attr("name", name) + attr("value", value) + "/>\n";
  };
  property("report_id", report.report_id);
  property("agent_version", report.agent_version);
  property("agent_mode", report.agent_mode);
  property("node", subject.node);
  property("pod", subject.pod.value_or(""));
  property("container", subject.container.value_or(""));
  property("runtime_class", subject.runtime_class.value_or(""));
  property("os", subject.os);
  property("arch", subject.arch);
  property("os_version", subject.os_version);
  property("kernel", subject.kernel);
  property("environment", subject.environment);
  property("started_at", report.started_at);
  out += "    </properties>\n";
  out += cases;
  out += "  </testsuite>\n";
  if (extra != nullptr) out += extra->xml;
  out += "</testsuites>\n";
  return out;
}

}  // namespace

std::string render_junit(const Report& report) {
  return junit_document(report, nullptr);
}

std::string render_junit_with_impact(const Report& report, const ImpactView& view) {
  const auto suites = impact_junit_suites(view);
  return junit_document(report, &suites);
}

}  // namespace capprobe::agent
