// The sonobuoy format: Sonobuoy's "manual" results file (a plugin with result-format: manual),
// the tree of items Sonobuoy's results.Item decodes: name, status, meta (strings only),
// details (any map with string keys) and items. Every string is written as a JSON string,
// which YAML reads as a double-quoted scalar, so no summary or evidence text can break it
// (with the characters YAML forbids raw escaped, see escape::yaml_scalar).
#include <string>

#include "agent/formats/escape.hpp"
#include "agent/formats/format.hpp"
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

}  // namespace

std::string render_sonobuoy(const Report& report) {
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
  if (report.results.empty()) {
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
  return out;
}

}  // namespace capprobe::agent
