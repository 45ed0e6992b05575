// JSON mapping of the report envelope and its identifiers.
#include "agent/report.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <random>
#include <stdexcept>

namespace capprobe::agent {
namespace {

nlohmann::json optional_string(const std::optional<std::string>& value) {
  return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

std::optional<std::string> read_optional(const nlohmann::json& json, const char* key) {
  if (!json.contains(key) || json[key].is_null()) return std::nullopt;
  return json[key].get<std::string>();
}

}  // namespace

nlohmann::json to_json(const Report& report) {
  nlohmann::json subject = {
      {"node", report.subject.node},
      {"pod", optional_string(report.subject.pod)},
      {"container", optional_string(report.subject.container)},
      {"runtime_class", optional_string(report.subject.runtime_class)},
      {"os", report.subject.os},
      {"arch", report.subject.arch},
      {"os_version", report.subject.os_version},
      {"kernel", report.subject.kernel},
      {"environment", report.subject.environment},
  };
  nlohmann::json results = nlohmann::json::array();
  for (const auto& result : report.results) results.push_back(probes::to_json(result));
  return {
      {"schema", kReportSchema},
      {"report_id", report.report_id},
      {"agent", {{"version", report.agent_version}, {"mode", report.agent_mode}}},
      {"subject", subject},
      {"pod_spec", {{"source", report.pod_spec.source}, {"detail", report.pod_spec.detail}}},
      {"started_at", report.started_at},
      {"duration_ms", report.duration_ms},
      {"results", results},
  };
}

Report report_from_json(const nlohmann::json& json) {
  if (json.at("schema").get<std::string>() != kReportSchema)
    throw std::invalid_argument("unsupported schema: " + json.at("schema").get<std::string>());
  Report report;
  report.report_id = json.at("report_id").get<std::string>();
  report.agent_version = json.at("agent").at("version").get<std::string>();
  report.agent_mode = json.at("agent").at("mode").get<std::string>();
  const auto& subject = json.at("subject");
  report.subject.node = subject.at("node").get<std::string>();
  report.subject.pod = read_optional(subject, "pod");
  report.subject.container = read_optional(subject, "container");
  report.subject.runtime_class = read_optional(subject, "runtime_class");
  report.subject.os = subject.at("os").get<std::string>();
  report.subject.arch = subject.at("arch").get<std::string>();
  report.subject.os_version = subject.value("os_version", "");
  report.subject.kernel = subject.value("kernel", "");
  report.subject.environment = subject.at("environment").get<std::string>();
  // Absent in reports from before the field existed, which say nothing of a pod spec.
  if (const auto pod_spec = json.find("pod_spec"); pod_spec != json.end()) {
    report.pod_spec.source = pod_spec->at("source").get<std::string>();
    report.pod_spec.detail = pod_spec->value("detail", "");
  } else {
    report.pod_spec.detail = "not in the report";
  }
  report.started_at = json.at("started_at").get<std::string>();
  report.duration_ms = json.at("duration_ms").get<std::int64_t>();
  for (const auto& result : json.at("results"))
    report.results.push_back(probes::result_from_json(result));
  return report;
}

std::string new_report_id() {
  std::random_device entropy;
  std::mt19937_64 generator((static_cast<std::uint64_t>(entropy()) << 32) ^ entropy());
  std::uniform_int_distribution<std::uint32_t> byte(0, 255);
  unsigned char bytes[16];
  for (auto& b : bytes) b = static_cast<unsigned char>(byte(generator));
  bytes[6] = static_cast<unsigned char>((bytes[6] & 0x0F) | 0x40);  // version 4
  bytes[8] = static_cast<unsigned char>((bytes[8] & 0x3F) | 0x80);  // RFC 4122 variant
  char text[37];
  std::snprintf(text, sizeof text,
                "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", bytes[0],
                bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7], bytes[8],
                bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]);
  return text;
}

std::string rfc3339_utc(std::chrono::system_clock::time_point when) {
  const auto seconds = std::chrono::system_clock::to_time_t(when);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

std::optional<std::int64_t> parse_rfc3339_ms(std::string_view text) {
  // YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)
  const auto digits = [&](std::size_t at, std::size_t count) -> std::optional<int> {
    if (at + count > text.size()) return std::nullopt;
    int value = 0;
    for (std::size_t i = at; i < at + count; ++i) {
      if (text[i] < '0' || text[i] > '9') return std::nullopt;
      value = value * 10 + (text[i] - '0');
    }
    return value;
  };
  const auto at = [&](std::size_t i, std::string_view allowed) {
    return i < text.size() && allowed.find(text[i]) != std::string_view::npos;
  };
  const auto year = digits(0, 4), month = digits(5, 2), day = digits(8, 2);
  const auto hour = digits(11, 2), minute = digits(14, 2), second = digits(17, 2);
  if (!year || !month || !day || !hour || !minute || !second || !at(4, "-") || !at(7, "-") ||
      !at(10, "Tt ") || !at(13, ":") || !at(16, ":"))
    return std::nullopt;
  if (*hour > 23 || *minute > 59 || *second > 60) return std::nullopt;  // 60: a leap second
  const std::chrono::year_month_day date{std::chrono::year(*year),
                                         std::chrono::month(static_cast<unsigned>(*month)),
                                         std::chrono::day(static_cast<unsigned>(*day))};
  if (!date.ok()) return std::nullopt;
  std::size_t i = 19;
  std::int64_t millis = 0;
  if (at(i, ".")) {
    ++i;
    int scale = 100, count = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      millis += (text[i] - '0') * scale;
      scale /= 10;
      ++i;
      ++count;
    }
    if (count == 0) return std::nullopt;
  }
  std::int64_t offset_minutes = 0;
  if (at(i, "Zz")) {
    ++i;
  } else if (at(i, "+-")) {
    const auto oh = digits(i + 1, 2), om = digits(i + 4, 2);
    if (!oh || !om || !at(i + 3, ":") || *oh > 23 || *om > 59) return std::nullopt;
    offset_minutes = (*oh * 60 + *om) * (text[i] == '-' ? -1 : 1);
    i += 6;
  } else {
    return std::nullopt;
  }
  if (i != text.size()) return std::nullopt;
  const std::int64_t days = std::chrono::sys_days(date).time_since_epoch().count();
  const std::int64_t seconds = days * 86400 + *hour * 3600 + *minute * 60 + *second;
  return (seconds - offset_minutes * 60) * 1000 + millis;
}

}  // namespace capprobe::agent
