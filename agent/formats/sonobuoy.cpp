// The sonobuoy format: Sonobuoy's "manual" results file (a plugin with result-format: manual),
// the tree of items Sonobuoy's results.Item decodes: name, status, meta (strings only),
// details (any map with string keys) and items. Every string is written as a JSON string,
// which YAML reads as a double-quoted scalar, so no summary or evidence text can break it
// (with the characters YAML forbids raw escaped, see escape::yaml_scalar).
#include <string>

#include "agent/formats/escape.hpp"
#include "agent/formats/format.hpp"
#include "agent/formats/impact.hpp"
#include "agent/formats/outcome.hpp"

namespace capprobe::agent {
namespace {

using nlohmann::json;

std::string pad(int indent) {
  return std::string(static_cast<std::size_t>(indent), ' ');
}

// A JSON value as block YAML at `indent`: objects become mappings with quoted keys, arrays
// become sequences, scalars stay JSON (strings quoted, numbers, true/false/null).
void emit_value(std::string& out, const json& value, int indent);

void emit_entry(std::string& out, const std::string& key_text, const json& value, int indent) {
  out += pad(indent) + key_text + ":";
  if ((value.is_object() || value.is_array()) && !value.empty()) {
    out += "\n";
    emit_value(out, value, value.is_object() ? indent + 2 : indent);
  } else {
    out.append(" ").append(escape::yaml_scalar(value)).append("\n");
  }
}

void emit_value(std::string& out, const json& value, int indent) {
  if (value.is_object()) {
    for (const auto& [key, child] : value.items())
      emit_entry(out, escape::yaml_string(key), child, indent);
    return;
  }
  if (value.is_array()) {
    for (const auto& child : value) {
      if ((child.is_object() || child.is_array()) && !child.empty()) {
        // "- " then the first line of the child on the same line, the rest indented under it.
        std::string nested;
        emit_value(nested, child, indent + 2);
        out += pad(indent) + "- " + nested.substr(static_cast<std::size_t>(indent) + 2);
      } else {
        out += pad(indent) + "- " + escape::yaml_scalar(child) + "\n";
      }
    }
    return;
  }
  out += pad(indent) + escape::yaml_scalar(value) + "\n";
}

void field(std::string& out, int indent, std::string_view key, std::string_view value) {
  out += pad(indent) + std::string(key) + ": " + escape::yaml_string(value) + "\n";
}

std::string requested_word(const std::optional<bool>& requested) {
  if (!requested) return "unknown";
  return *requested ? "true" : "false";
}

// The impact as one more item: each predicted e2e test a failed child, each unknown one a
// skipped child, so `sonobuoy results` shows the predicted failures beside capprobe's own.
void emit_impact(std::string& out, const ImpactView& view) {
  const auto& impact = view.impact;
  field(out, 2, "- name", "conformance impact (Kubernetes " + impact.k8s_version + ")");
  field(out, 4, "status", impact.tests.empty() ? "passed" : "failed");
  out += "    meta:\n";
  field(out, 6, "type", "impact");
  field(out, 6, "k8s_version", impact.k8s_version);
  field(out, 6, "predicted", std::to_string(impact.tests.size()));
  field(out, 6, "unknown", std::to_string(impact.unknown.size()));
  field(out, 6, "skip_regex", impact.skip_regex);
  out += "    details:\n";
  if (!impact.tests.empty())
    field(out, 6, "failure",
          std::to_string(impact.tests.size()) +
              " upstream e2e tests are predicted to fail or not to run here");
  field(out, 6, "summary",
        std::to_string(impact.tests.size()) + " predicted, " +
            std::to_string(impact.unknown.size()) + " unknown (the report cannot tell)");
  if (impact.tests.empty() && impact.unknown.empty()) {
    out += "    items: []\n";
  } else {
    out += "    items:\n";
    for (const auto& test : impact.tests) {
      field(out, 6, "- name", test.name);
      field(out, 8, "status", "failed");
      out += "        meta:\n";
      field(out, 10, "capability", test.capability);
      field(out, 10, "basis", test.basis);
      out += "        details:\n";
      field(out, 10, "failure", test.reason);
    }
    for (const auto& test : impact.unknown) {
      field(out, 6, "- name", test.name);
      field(out, 8, "status", "skipped");
      out += "        meta:\n";
      field(out, 10, "capability", test.capability);
      out += "        details:\n";
      field(out, 10, "unknown", test.reason);
    }
  }
  if (!view.profile) return;
  const auto& verdict = *view.profile;
  field(out, 2, "- name", "profile " + verdict.profile->name);
  field(out, 4, "status",
        verdict.verdict == "pass"   ? "passed"
        : verdict.verdict == "fail" ? "failed"
                                    : "skipped");
  out += "    meta:\n";
  field(out, 6, "type", "profile");
  field(out, 6, "verdict", verdict.verdict);
  out += "    items:\n";
  for (const auto& one : verdict.requirements) {
    field(out, 6, "- name", one.requirement->id + ": " + one.requirement->text);
    field(out, 8, "status",
          one.verdict == "pass"   ? "passed"
          : one.verdict == "fail" ? "failed"
                                  : "skipped");
    out += "        details:\n";
    field(out, 10, one.verdict == "fail" ? "failure" : "reason", one.reason);
  }
}

std::string sonobuoy_document(const Report& report, const ImpactView* view) {
  bool any_failed = false;
  for (const auto& result : report.results)
    any_failed = any_failed || sonobuoy_status(test_outcome(result)) == "failed";

  std::string out;
  field(out, 0, "name", "capprobe");
  field(out, 0, "status", any_failed ? "failed" : "passed");
  out += "meta:\n";
  const auto& subject = report.subject;
  field(out, 2, "type", "summary");
  field(out, 2, "node", subject.node);
  field(out, 2, "environment", subject.environment);
  field(out, 2, "runtime_class", subject.runtime_class.value_or(""));
  field(out, 2, "os", subject.os);
  field(out, 2, "arch", subject.arch);
  field(out, 2, "kernel", subject.kernel);
  field(out, 2, "report_id", report.report_id);
  field(out, 2, "started_at", report.started_at);
  field(out, 2, "agent_version", report.agent_version);
  if (report.results.empty() && view == nullptr) {
    out += "items: []\n";
    return out;
  }
  out += "items:\n";
  for (const auto& result : report.results) {
    const auto outcome = test_outcome(result);
    field(out, 2, "- name", result.id);
    field(out, 4, "status", sonobuoy_status(outcome));
    out += "    meta:\n";
    field(out, 6, "capprobe_status", probes::to_string(result.status));
    field(out, 6, "observed", result.observed);
    field(out, 6, "requested", requested_word(result.requested));
    field(out, 6, "requested_but_ignored", result.requested_but_ignored() ? "true" : "false");
    field(out, 6, "duration_ms", std::to_string(result.duration_ms));
    out += "    details:\n";
    // Sonobuoy shows details["failure"] for a failed item, as it does for a JUnit failure.
    if (outcome == TestOutcome::failed || outcome == TestOutcome::errored)
      field(out, 6, "failure", result.summary);
    field(out, 6, "summary", result.summary);
    emit_entry(out, "evidence", result.evidence.is_object() ? result.evidence : json::object(), 6);
  }
  if (view != nullptr) emit_impact(out, *view);
  return out;
}

}  // namespace

std::string render_sonobuoy(const Report& report) {
  return sonobuoy_document(report, nullptr);
}

std::string render_sonobuoy_with_impact(const Report& report, const ImpactView& view) {
  return sonobuoy_document(report, &view);
}

}  // namespace capprobe::agent
