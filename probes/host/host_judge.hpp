// The facts and pure judges of host.pid, host.network and host.ipc (each implemented in its
// probe's file), and the one place that turns a judgement into a result.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "platform/platform.hpp"
#include "probes/host/namespaces.hpp"
#include "probes/isolation/assess.hpp"
#include "probes/result.hpp"

namespace capprobe::probes {

// The isolation context the namespaces are read in: inside a VM guest or a sandbox, the
// "initial" namespaces are the guest's, never the node's.
struct IsolationContext {
  std::string observed;  // assess_isolation().observed
  std::optional<std::string> flavor;
  bool guest() const { return observed == "vm_guest" || observed == "sandbox"; }
  std::string guest_name() const;  // "kata VM guest", "gvisor sandbox"...
};

struct HostVerdict {
  std::string observed;    // "shared" or "isolated"
  std::string seen;        // what was seen, one sentence fragment
  bool determined = true;  // false: our own namespace link was unreadable -> untested
  std::string undetermined_reason;
  bool conclusive = true;  // false: a best guess, never reported as "requested but ignored"
};

// --- host.pid ---
struct PidFacts {
  ns::NamespaceLink pid_ns;
  ns::ProcessScan scan;
  IsolationContext isolation;
};
PidFacts collect_pid_facts(const platform::Platform& os, const IsolationAssessment& isolation);
HostVerdict judge_host_pid(const PidFacts& facts);

// --- host.ipc ---
struct SysvCounts {
  std::optional<int> shm, msg, sem;  // objects listed in /proc/sysvipc/*; nullopt when unreadable
  std::optional<int> total() const;
};
SysvCounts count_sysv_objects(const platform::Platform& os);

struct IpcFacts {
  ns::NamespaceLink ipc_ns;
  ns::NamespaceLink pid_ns;
  std::optional<ns::NamespaceLink> pid1_ipc_ns;  // read only when /proc/1 is the node's init
  ns::ProcessScan scan;
  SysvCounts sysv;
  IsolationContext isolation;
};
IpcFacts collect_ipc_facts(const platform::Platform& os, const IsolationAssessment& isolation);
HostVerdict judge_host_ipc(const IpcFacts& facts);

// --- host.network ---
struct NetworkFacts {
  ns::NamespaceLink net_ns;
  ns::NamespaceLink uts_ns;
  ns::NamespaceLink pid_ns;
  std::optional<ns::NamespaceLink> pid1_net_ns;  // read only when /proc/1 is the node's init
  ns::ProcessScan scan;
  std::vector<std::string> interfaces;  // getifaddrs names + /proc/self/net/dev names
  std::vector<platform::InterfaceAddress> addresses;
  std::optional<std::string> addresses_error;  // errno name when getifaddrs failed
  std::optional<std::string> host_ip;          // HOST_IP (downward API status.hostIP)
  IsolationContext isolation;
};
NetworkFacts collect_network_facts(const platform::Platform& os,
                                   const IsolationAssessment& isolation);
HostVerdict judge_host_network(const NetworkFacts& facts);

// Interface names only the node's own network namespace has (CNI bridges, tunnels, the host
// side of pod veths), and the fallback devices every namespace has once their module is loaded.
bool is_node_interface(std::string_view name);
bool is_fallback_interface(std::string_view name);  // tunl0, sit0, gre0...

// Whether /proc/1 is the node's init as seen from here: the kernel's initial PID namespace
// outside any guest, or a namespace in which the node's agents run (a nested node, e.g. kind).
bool sees_node_init(const ns::NamespaceLink& pid_ns, const ns::ProcessScan& scan,
                    const IsolationContext& isolation);

// Sets observed and the verdict: judge_switch on a determined verdict, untested (with the reason)
// on an undetermined one or on an inconclusive "isolated" when the switch was requested.
void apply_host_verdict(CapabilityResult& result, const HostVerdict& verdict,
                        std::string_view field);

// The evidence the three host.* results share: `namespace` (the key other tools read) and why it
// could not be read, initial_namespace (null for kinds without a fixed initial inode), the node
// agents seen and the isolation context.
void add_namespace_evidence(nlohmann::json& evidence, const ns::NamespaceLink& own,
                            const ns::ProcessScan& scan, const IsolationContext& isolation);
// pid1_namespace (null when pid 1 is not the node's init or its link was not read) and why.
void add_pid1_namespace_evidence(nlohmann::json& evidence,
                                 const std::optional<ns::NamespaceLink>& pid1);

}  // namespace capprobe::probes
