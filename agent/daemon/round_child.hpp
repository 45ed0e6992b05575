// The agent runs each probe round in a child process: `capprobe agent --internal-round`, the
// same executable, told what to run on its stdin and printing the report on its stdout. What a
// round leaves behind (a probe thread stuck past its deadline in a hung filesystem, the heap
// the probes grew, a crash) then ends with the child, and the long-running agent stays small.
#pragma once

#include <istream>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "agent/daemon/duration.hpp"
#include "agent/pod_lookup.hpp"
#include "agent/report.hpp"
#include "agent/runner.hpp"
#include "platform/platform.hpp"
#include "probes/probe.hpp"

namespace capprobe::agent::daemon {

// The first argument after "agent" that makes it the round child (not in --help: only the
// agent starts it, like `runc init`).
inline constexpr const char* kRoundChildFlag = "--internal-round";

// What the child is asked to run: the probe selection, and the pod spec's text with the name it
// was read from and the container the user named (parsed again in the child, so the same
// requests).
struct RoundRequest {
  Selection selection;
  std::optional<std::string> pod_spec;
  std::string pod_spec_name;             // the --pod-spec path, for the report's pod_spec.detail
  std::optional<std::string> container;  // --container or CAPPROBE_CONTAINER, as the agent read it
  // --nfd-file: the child writes it after printing the report, under a bound of its own. The
  // agent's own process never writes there: the features.d directory is a hostPath that may
  // hang, and a thread stuck in it would stay in the agent for good.
  std::optional<std::string> nfd_file;
  // How long the NFD file's labels stay valid after it is written (NFD's expiry-time): a few
  // intervals, so that they vanish when the agent stops. Zero: no expiry.
  std::chrono::seconds nfd_lifetime{0};
  // Without pod_spec: whether and how the child GETs the pod's own spec, each round anew (the
  // token is read again, and a lookup that failed may succeed once RBAC is in place).
  PodLookupOptions pod_lookup;
};

std::string round_request_json(const RoundRequest& request);
// nullopt with `why` filled for anything that is not round_request_json's output.
std::optional<RoundRequest> parse_round_request(const std::string& text, std::string& why);

// How long a round may take before the child is killed: every probe's own deadline one after
// another, and a margin for starting, the report and the residue sweep.
Millis round_deadline(const std::vector<probes::Probe>& catalog);

// The child's side: reads the request from `in`, without a pod spec looks the pod up through
// `get_pod` (agent/pod_lookup.hpp), sweeps residue of earlier killed rounds, runs the round as
// agent_mode "agent", writes the report's JSON to `out`, then the --nfd-file (a failure or a
// hang there is logged, never fatal to the round). Exit code 0, or 1 with one line on stderr.
int run_round_child(platform::Platform& os, const std::vector<probes::Probe>& catalog,
                    std::istream& in, std::ostream& out, const PodGet& get_pod);

// The agent's side: runs the child and returns its report; throws std::runtime_error saying
// what went wrong (the loop counts a failed round).
Report run_round_in_child(const RoundRequest& request, Millis deadline);

}  // namespace capprobe::agent::daemon
