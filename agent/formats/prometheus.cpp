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

int days_from_civil(int year, int month, int day) {  // days since 1970-01-01, proleptic Gregorian
  year -= month <= 2;
  const int era = (year >= 0 ? year : year - 399) / 400;
  const int year_of_era = year - era * 400;
  const int day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const int day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;
}

// RFC 3339 "2026-11-24T10:00:00Z", "…10:00:00.25+01:00" -> seconds since the epoch; nullopt
// for anything else, so that the timestamp series is left out rather than invented.
std::optional<double> rfc3339_seconds(std::string_view text) {
  const auto digits = [&](std::size_t at, std::size_t count) -> std::optional<int> {
    if (at + count > text.size()) return std::nullopt;
    int value = 0;
    for (std::size_t i = at; i < at + count; ++i) {
      if (text[i] < '0' || text[i] > '9') return std::nullopt;
      value = value * 10 + (text[i] - '0');
    }
    return value;
  };
  const auto at_is = [&](std::size_t at, std::string_view chars) {
    return at < text.size() && chars.find(text[at]) != std::string_view::npos;
  };
  const auto year = digits(0, 4), month = digits(5, 2), day = digits(8, 2);
  const auto hour = digits(11, 2), minute = digits(14, 2), second = digits(17, 2);
  if (!year || !month || !day || !hour || !minute || !second || !at_is(4, "-") || !at_is(7, "-") ||
      !at_is(10, "Tt ") || !at_is(13, ":") || !at_is(16, ":"))
    return std::nullopt;
  if (*month < 1 || *month > 12 || *day < 1 || *day > 31 || *hour > 23 || *minute > 59 ||
      *second > 60)
    return std::nullopt;
  std::size_t at = 19;
  double fraction = 0;
  if (at_is(at, ".")) {
    double scale = 0.1;
    ++at;
    const auto start = at;
    for (; at < text.size() && text[at] >= '0' && text[at] <= '9'; ++at, scale /= 10)
      fraction += (text[at] - '0') * scale;
    if (at == start) return std::nullopt;
  }
  int offset_seconds = 0;
  if (at_is(at, "Zz")) {
    ++at;
  } else if (at_is(at, "+-")) {
    const auto offset_hour = digits(at + 1, 2), offset_minute = digits(at + 4, 2);
    if (!offset_hour || !offset_minute || !at_is(at + 3, ":") || *offset_hour > 23 ||
        *offset_minute > 59)
      return std::nullopt;
    offset_seconds = (*offset_hour * 60 + *offset_minute) * 60 * (text[at] == '-' ? -1 : 1);
    at += 6;
  } else {
    return std::nullopt;
  }
  if (at != text.size()) return std::nullopt;
  const double days = days_from_civil(*year, *month, *day);
  return days * 86400.0 + *hour * 3600.0 + *minute * 60.0 + *second + fraction - offset_seconds;
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
  // One series per id: a duplicated id would make the exposition invalid.
  std::vector<const probes::CapabilityResult*> results;
  std::set<std::string> seen;
  for (const auto& result : report.results)
    if (seen.insert(result.id).second) results.push_back(&result);

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

  if (const auto started = rfc3339_seconds(report.started_at)) {
    out += family("capprobe_report_timestamp_seconds",
                  "When the run started (the report's started_at), in seconds since the epoch.");
    out += series("capprobe_report_timestamp_seconds", base, number(*started));
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
