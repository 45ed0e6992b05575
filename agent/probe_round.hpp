// One round of probing as a Report: what `capprobe probe` prints once and what `capprobe agent`
// builds every interval. The callers keep their own I/O (stdout, -o, delivery, spool).
#pragma once

#include <istream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/pod_lookup.hpp"
#include "agent/report.hpp"
#include "agent/runner.hpp"
#include "platform/platform.hpp"
#include "probes/probe.hpp"
#include "probes/requests.hpp"

namespace capprobe::agent {

// Runs the selected probes under `scratch_name` (new_scratch_name in agent/commands.hpp) and
// fills the envelope: a fresh report_id, this build's version, `agent_mode` ("oneshot",
// "agent"), the subject, where the requests came from (`pod_spec`), when it started and how long
// it took. Sweeping old residue is the caller's job: it must happen before anything is created,
// once per process start.
Report run_probe_round(platform::Platform& os, const std::vector<probes::Probe>& probes,
                       const probes::PodRequests& requests, const PodSpecInfo& pod_spec,
                       const Selection& selection, std::string_view agent_mode,
                       const std::string& scratch_name, probes::ApiAccess api = {});

// The container this process runs in, as the user named it: --container (`flag`), else a
// non-empty CAPPROBE_CONTAINER. Never CONTAINER_NAME, which other tools set for their own ends.
std::optional<std::string> container_name(const std::optional<std::string>& flag,
                                          const platform::Platform& os);

struct PodRequestsLoad {
  std::optional<probes::PodRequests> requests;
  PodSpecInfo pod_spec;  // for the report: source "file", "api" or "none", and what was made of it
  std::string text;      // the spec as read, for a process that must parse it again
  std::string error;     // one line for stderr ("cannot read --pod-spec F: ..."), when empty
};

// The requests from --pod-spec `path` ("-" = `standard_input`; nullopt = none given) for the
// container named `container` (container_name above). Without a name, this process's cgroup
// and mounts, read through `os`, may tell the container by its ID (parse_pod_spec). A failure
// is the user's input being wrong: a usage error for the caller.
PodRequestsLoad load_pod_requests(const std::optional<std::string>& path,
                                  const std::optional<std::string>& container,
                                  const platform::Platform& os, std::istream& standard_input);

// The same from the spec's text, already read from `path` (nullopt: no pod spec).
PodRequestsLoad parse_pod_requests(const std::optional<std::string>& text, const std::string& path,
                                   const std::optional<std::string>& container,
                                   const platform::Platform& os);

// Without --pod-spec: the pod's own spec from the API server (agent/pod_lookup.hpp), through
// `get`, when this process runs in a pod it can look up. Never an error: without a pod spec,
// the load's pod_spec says why (source "none"), and the requests are unknown but for the
// container the user named; with one, source "api" and detail "GET <ns>/<name>; container ...".
PodRequestsLoad look_up_pod_requests(const PodLookupOptions& options,
                                     const std::optional<std::string>& container,
                                     const platform::Platform& os, const PodGet& get);

}  // namespace capprobe::agent
