// Running the probes once and wrapping the results in the report envelope.
#include "agent/probe_round.hpp"

#include <chrono>

#include "agent/pod_spec.hpp"
#include "agent/subject.hpp"
#include "agent/user_files.hpp"

namespace capprobe::agent {
namespace {

constexpr std::size_t kMaxPodSpecBytes = 4 << 20;

}  // namespace

Report run_probe_round(platform::Platform& os, const std::vector<probes::Probe>& probes,
                       const probes::PodRequests& requests, const Selection& selection,
                       std::string_view agent_mode, const std::string& scratch_name) {
  const auto started_wall = os.wall_now();
  const auto started = std::chrono::steady_clock::now();
  Report report;
  report.results = run_probes(probes, os, requests, selection, scratch_name);
  report.report_id = new_report_id();
  report.agent_version = CAPPROBE_VERSION;
  report.agent_mode = std::string(agent_mode);
  report.subject = describe_subject(os, requests);
  report.started_at = rfc3339_utc(started_wall);
  report.duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::steady_clock::now() - started)
                           .count();
  return report;
}

PodRequestsLoad load_pod_requests(const std::string& path, const platform::Platform& os,
                                  std::istream& standard_input) {
  PodRequestsLoad load;
  const auto file = read_user_file(path, standard_input, kMaxPodSpecBytes);
  if (!file.content) {
    load.error = "cannot read --pod-spec " + path + ": " + file.error;
    return load;
  }
  auto parsed = parse_pod_spec(*file.content, os.env("CONTAINER_NAME").value_or(""));
  if (!parsed.requests) {
    load.error = "--pod-spec " + path + ": " + parsed.error;
    return load;
  }
  load.text = std::move(*file.content);
  if (!parsed.warning.empty()) load.warning = "--pod-spec " + path + ": " + parsed.warning;
  load.requests = std::move(parsed.requests);
  return load;
}

}  // namespace capprobe::agent
