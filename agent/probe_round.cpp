// Running the probes once and wrapping the results in the report envelope.
#include "agent/probe_round.hpp"

#include <cctype>
#include <chrono>

#include <nlohmann/json.hpp>

#include "agent/log.hpp"
#include "agent/pod_spec.hpp"
#include "agent/subject.hpp"
#include "agent/user_files.hpp"
#include "platform/linux_facts.hpp"
#include "probes/isolation/assess.hpp"
#include "probes/round_reads.hpp"

namespace capprobe::agent {
namespace {

constexpr std::size_t kMaxPodSpecBytes = 4 << 20;
constexpr std::size_t kMaxSelfBytes = 4 << 20;  // a mountinfo of thousands of mounts

// No pod spec, but a name the user gave is still the subject's container.
PodRequestsLoad without_pod_spec(const std::optional<std::string>& container, PodSpecInfo info) {
  PodRequestsLoad load;
  load.requests = probes::PodRequests{};
  load.requests->container_name = container;
  load.pod_spec = std::move(info);
  return load;
}

// A pod spec's text, read from `origin` (a file name, "stdin", "GET ns/name"), as the requests of
// the named container: `source` is the report's pod_spec.source. Without requests, `error` says
// what is wrong with the spec.
PodRequestsLoad parse_spec(const std::string& text, const std::string& origin, const char* source,
                           const std::optional<std::string>& container,
                           const platform::Platform& os) {
  PodRequestsLoad load;
  // Where a containerID may show: the cgroup path (cgroup v1, or v2 without a cgroup namespace)
  // and the sources of the runtime's bind mounts (Docker's /etc/hostname...). Unreadable: none.
  std::string self;
  // Linux only: a Windows container's ID shows in none of the facts capprobe reads.
  if (const auto* facts = os.as_linux(); facts != nullptr && !container)
    for (const char* file : {"/proc/self/cgroup", "/proc/self/mountinfo"})
      if (const auto read = facts->read_file(file, kMaxSelfBytes)) self += read.value() + "\n";
  // This machine's OS as the report's subject names it (subject.cpp), for a spec of the other.
  std::string machine_os;
  if (const auto kernel = os.kernel_info()) machine_os = os_name(kernel.value().sysname);
  auto parsed = parse_pod_spec(text, container.value_or(""), self, machine_os);
  if (!parsed.requests) {
    load.error = parsed.error;
    return load;
  }
  load.requests = std::move(parsed.requests);
  load.pod_spec.source = source;
  load.pod_spec.detail = origin + "; " + parsed.container_note;
  for (const auto& warning : parsed.warnings) load.pod_spec.detail += "; warning: " + warning;
  load.text = text;
  return load;
}

// The top-level "kind" of a JSON object, or "" when it is none.
std::string kind_of(const std::string& text) {
  const auto json = nlohmann::json::parse(text, nullptr, false);
  if (!json.is_object()) return "";
  const auto kind = json.find("kind");
  return kind != json.end() && kind->is_string() ? kind->get<std::string>() : "";
}

}  // namespace

Report run_probe_round(platform::Platform& os, const std::vector<probes::Probe>& probes,
                       const probes::PodRequests& requests, const PodSpecInfo& pod_spec,
                       const Selection& selection, std::string_view agent_mode,
                       const std::string& scratch_name, probes::ApiAccess api) {
  const auto started_wall = os.wall_now();
  const auto started = std::chrono::steady_clock::now();
  // Assessed once for the whole round: the probes that need it and the subject share it, and
  // what it reads that probes read too (the mount table, the /proc scan) is read once.
  const auto reads = std::make_shared<probes::RoundReads>();
  std::shared_ptr<const probes::IsolationAssessment> isolation;
  std::string observed = "unknown";
  try {
    isolation =
        std::make_shared<const probes::IsolationAssessment>(probes::assess_isolation(os, *reads));
    // The assessment's own environment word when it has one (Windows: windows_process,
    // windows_hyperv, windows_hostprocess); environment_name() maps the observed word otherwise.
    observed = isolation->environment.empty() ? isolation->observed : isolation->environment;
  } catch (const std::exception& failure) {
    logger("probe")->warn("the isolation assessment failed error={}", failure.what());
  }
  Report report;
  report.results =
      run_probes(probes, os, requests, selection, scratch_name, isolation, std::move(api), reads);
  report.report_id = new_report_id();
  report.agent_version = CAPPROBE_VERSION;
  report.agent_mode = std::string(agent_mode);
  report.subject = describe_subject(os, requests, observed);
  report.pod_spec = pod_spec;
  report.started_at = rfc3339_utc(started_wall);
  report.duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::steady_clock::now() - started)
                           .count();
  return report;
}

std::optional<std::string> container_name(const std::optional<std::string>& flag,
                                          const platform::Platform& os) {
  if (flag) return flag;
  const auto named = os.env("CAPPROBE_CONTAINER");
  if (!named || named->empty()) return std::nullopt;
  return *named;
}

PodRequestsLoad parse_pod_requests(const std::optional<std::string>& text, const std::string& path,
                                   const std::optional<std::string>& container,
                                   const platform::Platform& os) {
  if (!text) return without_pod_spec(container, PodSpecInfo{});
  auto load = parse_spec(*text, path == "-" ? std::string("stdin") : path, "file", container, os);
  if (!load.requests) load.error = "--pod-spec " + path + ": " + load.error;
  return load;
}

PodRequestsLoad look_up_pod_requests(const PodLookupOptions& options,
                                     const std::optional<std::string>& container,
                                     const platform::Platform& os, const PodGet& get) {
  const auto log = logger("pod-spec");
  const auto planning = plan_pod_lookup(options, os);
  if (!planning.plan) {
    log->debug("no own-pod lookup: {}", planning.why_none);
    return without_pod_spec(container, {"none", planning.why_none});
  }
  const auto& plan = *planning.plan;
  const auto answer = get(plan);
  std::string failure;
  if (answer.result != PodGetResult::ok) {
    failure = describe_failed_pod_get(plan, answer);
  } else if (const auto kind = kind_of(answer.body); kind != "Pod") {
    failure = "GET " + plan.pod + ": the answer is " +
              (kind.empty() ? std::string("not a Kubernetes object") : "a " + kind) + ", not a Pod";
  } else {
    auto load = parse_spec(answer.body, "GET " + plan.pod, "api", container, os);
    if (load.requests) {
      log->info("pod spec from the API server: {}", load.pod_spec.detail);
      return load;
    }
    failure = "GET " + plan.pod + ": the pod is not usable: " + load.error;
  }
  // Degraded, not failed: the run goes on without requests, and the report says why.
  log->warn("no pod spec from the API server: {}", failure);
  return without_pod_spec(container, {"none", failure});
}

PodRequestsLoad load_pod_requests(const std::optional<std::string>& path,
                                  const std::optional<std::string>& container,
                                  const platform::Platform& os, std::istream& standard_input) {
  if (!path) return parse_pod_requests(std::nullopt, "", container, os);
  auto file = read_user_file(*path, standard_input, kMaxPodSpecBytes);
  if (!file.content) {
    PodRequestsLoad load;
    load.error = "cannot read --pod-spec " + *path + ": " + file.error;
    return load;
  }
  return parse_pod_requests(std::move(file.content), *path, container, os);
}

}  // namespace capprobe::agent
