// One round of probing as a Report: what `capprobe probe` prints once and what `capprobe agent`
// builds every interval. The callers keep their own I/O (stdout, -o, delivery, spool).
#pragma once

#include <istream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/report.hpp"
#include "agent/runner.hpp"
#include "platform/platform.hpp"
#include "probes/probe.hpp"
#include "probes/requests.hpp"

namespace capprobe::agent {

// Runs the selected probes under `scratch_name` (new_scratch_name in agent/commands.hpp) and
// fills the envelope: a fresh report_id, this build's version, `agent_mode` ("oneshot",
// "agent"), the subject, when it started and how long it took. Sweeping old residue is the
// caller's job: it must happen before anything is created, once per process start.
Report run_probe_round(platform::Platform& os, const std::vector<probes::Probe>& probes,
                       const probes::PodRequests& requests, const Selection& selection,
                       std::string_view agent_mode, const std::string& scratch_name);

struct PodRequestsLoad {
  std::optional<probes::PodRequests> requests;
  std::string text;     // the spec as read, for a process that must parse it again
  std::string error;    // one line for stderr ("cannot read --pod-spec F: ..."), when empty
  std::string warning;  // something the caller should log ("--pod-spec F: ..."), or empty
};

// Reads and parses --pod-spec `path` ("-" = `standard_input`) for the container named by
// CONTAINER_NAME. A failure is the user's input being wrong: a usage error for the caller.
PodRequestsLoad load_pod_requests(const std::string& path, const platform::Platform& os,
                                  std::istream& standard_input);

}  // namespace capprobe::agent
