// What host.pid, host.network and host.ipc share on every OS: their catalog entries, the
// isolation context a view of the node is judged in, and the one place that turns a judgement
// into a result. Each OS's facts and judges: host_linux.hpp (namespace links),
// host_windows.hpp (HostProcess, the process snapshot, network compartments).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "probes/isolation/assess.hpp"
#include "probes/probe.hpp"
#include "probes/result.hpp"

namespace capprobe::probes {

ProbeInfo host_pid_info();
ProbeInfo host_ipc_info();
ProbeInfo host_network_info();

// The isolation context the node's view is read in: inside a VM guest or a sandbox, the
// "initial" namespaces (Linux) or the primary compartment (Windows) are the guest's, never the
// node's.
struct IsolationContext {
  std::string observed;  // assess_isolation().observed
  std::optional<std::string> flavor;
  bool guest() const { return observed == "vm_guest" || observed == "sandbox"; }
  std::string guest_name() const;  // "kata VM guest", "gvisor sandbox"...
};

struct HostVerdict {
  std::string observed;    // "shared" or "isolated"
  std::string seen;        // what was seen, one sentence fragment
  bool determined = true;  // false: what would show it could not be read -> untested
  std::string undetermined_reason;
  bool conclusive = true;  // false: a best guess, never reported as "requested but ignored"
  // false: the switch does not exist on this platform for this kind of process (hostPID for a
  // Windows container) -> not_applicable, with the reason.
  bool applicable = true;
  std::string not_applicable_reason;
};

// Sets observed and the verdict: judge_switch on a determined verdict, untested (with the reason)
// on an undetermined one or on an inconclusive "isolated" when the switch was requested,
// not_applicable (saying so when it was requested) where the switch does not exist.
void apply_host_verdict(CapabilityResult& result, const HostVerdict& verdict,
                        std::string_view field);

}  // namespace capprobe::probes
