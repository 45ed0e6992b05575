// The Linux facts and judges of host.pid, host.network and host.ipc: namespace links under
// /proc, pid 1's links, the node-agent scan, SysV IPC objects and interfaces. Collected by
// <probe>_linux.cpp, judged in <probe>.cpp.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "platform/platform.hpp"
#include "probes/host/host_judge.hpp"
#include "probes/host/namespaces.hpp"
#include "probes/isolation/assess.hpp"

namespace capprobe::probes {

// --- host.pid ---
struct PidFacts {
  ns::NamespaceLink pid_ns;
  ns::ProcessScan scan;
  IsolationContext isolation;
};
// Each collector is given the round's scan of /proc (process_scan_of, probes/round_reads.hpp).
PidFacts collect_pid_facts(const platform::Platform& os, const IsolationAssessment& isolation,
                           const ns::ProcessScan& scan);
HostVerdict judge_host_pid(const PidFacts& facts);

// --- host.ipc ---
struct SysvCounts {
  std::optional<int> shm, msg, sem;  // objects listed in /proc/sysvipc/*; nullopt when unreadable
  std::optional<int> total() const;
};
SysvCounts count_sysv_objects(const platform::Platform& os);
std::string sysv_text(const SysvCounts& sysv);  // "3 SysV IPC objects visible"

struct IpcFacts {
  ns::NamespaceLink ipc_ns;
  ns::NamespaceLink pid_ns;
  std::optional<ns::NamespaceLink> pid1_ipc_ns;  // read only when /proc/1 is the node's init
  ns::ProcessScan scan;
  SysvCounts sysv;
  IsolationContext isolation;
};
IpcFacts collect_ipc_facts(const platform::Platform& os, const IsolationAssessment& isolation,
                           const ns::ProcessScan& scan);
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
                                   const IsolationAssessment& isolation,
                                   const ns::ProcessScan& scan);
HostVerdict judge_host_network(const NetworkFacts& facts);
std::vector<std::string> node_interfaces(const std::vector<std::string>& interfaces);
bool host_ip_found(const NetworkFacts& facts);  // HOST_IP is one of the addresses

// Interface names only the node's own network namespace has (CNI bridges, tunnels, the host
// side of pod veths), and the fallback devices every namespace has once their module is loaded.
bool is_node_interface(std::string_view name);
bool is_fallback_interface(std::string_view name);  // tunl0, sit0, gre0...

// Whether /proc/1 is the node's init as seen from here: the kernel's initial PID namespace
// outside any guest, or a namespace in which the node's agents run (a nested node, e.g. kind).
bool sees_node_init(const ns::NamespaceLink& pid_ns, const ns::ProcessScan& scan,
                    const IsolationContext& isolation);

// The evidence the three host.* results share: `namespace` (the key other tools read) and why it
// could not be read, initial_namespace (null for kinds without a fixed initial inode), the node
// agents seen and the isolation context.
void add_namespace_evidence(nlohmann::json& evidence, const ns::NamespaceLink& own,
                            const ns::ProcessScan& scan, const IsolationContext& isolation);
// pid1_namespace (null when pid 1 is not the node's init or its link was not read) and why.
void add_pid1_namespace_evidence(nlohmann::json& evidence,
                                 const std::optional<ns::NamespaceLink>& pid1);

}  // namespace capprobe::probes
