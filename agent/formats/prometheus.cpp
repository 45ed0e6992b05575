// The prometheus format: text exposition format 0.0.4 of one report, e.g. for the node-exporter
// textfile collector. Every series carries the node, environment and runtime class, so that
// reports of many nodes can sit side by side.
#include <array>
#include <charconv>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "agent/formats/escape.hpp"
#include "agent/formats/format.hpp"

namespace capprobe::agent {
namespace {

using probes::Status;

constexpr std::array<Status, 6> kStatuses = {Status::supported,      Status::partial,
                                             Status::unsupported,    Status::untested,
                                             Status::not_applicable, Status::error};

using Labels = std::vector<std::pair<std::string, std::string>>;

std::string number(double value) {
  char text[64];
  const auto [end, ec] = std::to_chars(text, text + sizeof text, value);
  return ec == std::errc{} ? std::string(text, end) : std::string("NaN");
}

std::string series(const std::string& name, const Labels& labels, const std::string& value) {
  std::string out = name + "{";
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (i) out += ",";
    out += labels[i].first + "=\"" + escape::prometheus_label(labels[i].second) + "\"";
  }
  return out + "} " + value + "\n";
}

std::string family(const std::string& name, std::string_view help) {
  return "# HELP " + name + " " + escape::prometheus_help(help) + "\n# TYPE " + name + " gauge\n";
}

}  // namespace

std::string render_prometheus(const Report& report) {
  const auto& subject = report.subject;
  const Labels base = {{"node", subject.node},
                       {"environment", subject.environment},
                       {"runtime_class", subject.runtime_class.value_or("")}};
  const auto with = [&](Labels extra) {
    Labels labels = base;
    labels.insert(labels.end(), extra.begin(), extra.end());
    return labels;
  };
  // One series per capability label: a label twice would make the exposition invalid. The label
  // is the id as written (invalid UTF-8 repaired), so ids that differ only in invalid bytes are
  // one label too.
  std::vector<const probes::CapabilityResult*> results;
  std::set<std::string> seen;
  for (const auto& result : report.results)
    if (seen.insert(escape::utf8(result.id)).second) results.push_back(&result);

  std::string out;
  out += family("capprobe_capability_status",
                "Verdict per capability: 1 for the status the probe reported, 0 for the others.");
  for (const auto* result : results)
    for (const auto status : kStatuses)
      out += series("capprobe_capability_status",
                    with({{"capability", result->id}, {"status", std::string(to_string(status))}}),
                    result->status == status ? "1" : "0");

  out += family("capprobe_capability_requested_ignored",
                "1 when the pod spec requested the capability and the probe found it not in "
                "effect (REQUESTED BUT IGNORED).");
  for (const auto* result : results)
    out += series("capprobe_capability_requested_ignored", with({{"capability", result->id}}),
                  result->requested_but_ignored() ? "1" : "0");

  out += family("capprobe_capability_requested",
                "What the pod spec asked for the capability: 1 requested, 0 not requested; "
                "absent when unknown.");
  for (const auto* result : results)
    if (result->requested)
      out += series("capprobe_capability_requested", with({{"capability", result->id}}),
                    *result->requested ? "1" : "0");

  out += family("capprobe_probe_duration_seconds", "How long the capability's probe took.");
  for (const auto* result : results)
    out += series("capprobe_probe_duration_seconds", with({{"capability", result->id}}),
                  number(static_cast<double>(result->duration_ms) / 1000.0));

  out += family("capprobe_report_duration_seconds", "How long the whole run took.");
  out += series("capprobe_report_duration_seconds", base,
                number(static_cast<double>(report.duration_ms) / 1000.0));

  if (const auto started_ms = parse_rfc3339_ms(report.started_at)) {
    out += family("capprobe_report_timestamp_seconds",
                  "When the run started (the report's started_at), in seconds since the epoch.");
    out += series("capprobe_report_timestamp_seconds", base,
                  number(static_cast<double>(*started_ms) / 1000.0));
  }

  out += family("capprobe_info", "The agent and the subject it ran in; always 1.");
  out += series("capprobe_info",
                with({{"version", report.agent_version},
                      {"os", subject.os},
                      {"arch", subject.arch},
                      {"os_version", subject.os_version},
                      {"kernel", subject.kernel}}),
                "1");
  return out;
}

}  // namespace capprobe::agent
