// The report envelope of DESIGN.md ("Report envelope"): who ran where, when, and the results.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "probes/result.hpp"

namespace capprobe::agent {

inline constexpr const char* kReportSchema = "capprobe.report/v1";

struct Subject {
  std::string node;
  std::optional<std::string> pod;  // "namespace/name"
  std::optional<std::string> container;
  std::optional<std::string> runtime_class;
  std::string os;    // "linux", "windows"
  std::string arch;  // "amd64", "arm64"
  std::string os_version;
  std::string kernel;
  std::string environment;  // host | container | vm_guest | sandbox | windows_process | ...
};

// Where the results' `requested` came from: the envelope's pod_spec.
struct PodSpecInfo {
  std::string source = "none";  // "api" | "file" | "none"
  // Which file or request, and what was made of it: "pod.json; container unknown: the pod has
  // 2 containers (app, probe) and neither --container nor CAPPROBE_CONTAINER names one".
  std::string detail = "no --pod-spec given";
};

struct Report {
  std::string report_id;
  std::string agent_version;
  std::string agent_mode;  // "oneshot", "agent"
  Subject subject;
  PodSpecInfo pod_spec;
  std::string started_at;  // RFC 3339, UTC
  std::int64_t duration_ms = 0;
  std::vector<probes::CapabilityResult> results;
};

nlohmann::json to_json(const Report& report);
Report report_from_json(const nlohmann::json& json);  // throws std::exception on a malformed report

std::string new_report_id();  // a random UUID (version 4)
std::string rfc3339_utc(std::chrono::system_clock::time_point when);
// RFC 3339 date-time ("2026-11-24T10:00:00Z", "...00.123+01:00") to Unix milliseconds;
// nullopt for anything else.
std::optional<std::int64_t> parse_rfc3339_ms(std::string_view text);

}  // namespace capprobe::agent
