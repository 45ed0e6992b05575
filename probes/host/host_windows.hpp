// The Windows facts and judges of host.pid, host.network and host.ipc. Windows pods cannot set
// hostPID or hostIPC, and hostNetwork only with HostProcess (or the alpha WindowsHostNetwork
// feature): what decides is the kind of process (the isolation assessment's environment), the
// Toolhelp snapshot (the node's agents visible), the node's named pipes, and the network
// compartment with HOST_IP. Collected by host_windows.cpp, judged in <probe>.cpp.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "platform/platform.hpp"
#include "platform/result.hpp"
#include "probes/host/host_judge.hpp"
#include "probes/isolation/assess.hpp"

namespace capprobe::probes {

// The default (primary) network compartment: NET_IF_COMPARTMENT_ID_PRIMARY, the node's.
inline constexpr std::uint32_t kPrimaryCompartment = 1;

// What every host.* probe reads on Windows: the kind of process and the process snapshot.
struct WindowsHostView {
  IsolationContext isolation;
  std::string environment;  // "windows_hostprocess", "windows_process", "windows_hyperv", "host"
  std::optional<platform::OsError> processes_error;
  int processes_seen = 0;
  std::vector<std::string>
      node_agents;  // kubelet.exe, containerd.exe... as the snapshot names them
};
WindowsHostView collect_windows_host_view(const platform::Platform& os,
                                          const IsolationAssessment& isolation);
HostVerdict judge_windows_host_pid(const WindowsHostView& view);

struct WindowsIpcFacts {
  WindowsHostView view;
  std::optional<platform::OsError> pipes_error;  // listing \\.\pipe\ (fails on Wine)
  int pipes_seen = 0;
  std::vector<std::string> node_pipes;  // the node's own pipes among them
};
WindowsIpcFacts collect_windows_ipc_facts(const platform::Platform& os,
                                          const IsolationAssessment& isolation);
HostVerdict judge_windows_host_ipc(const WindowsIpcFacts& facts);
// Pipes only the node's runtimes serve (containerd-containerd, docker_engine): listed under
// \\.\pipe\ only where the node's object namespace is ours (or the pipe is mounted in).
bool is_windows_node_pipe(std::string_view name);

struct WindowsNetworkFacts {
  WindowsHostView view;
  std::optional<std::uint32_t> compartment;  // GetCurrentThreadCompartmentId
  std::optional<platform::OsError> compartment_error;
  std::vector<platform::InterfaceAddress> addresses;  // GetAdaptersAddresses
  std::optional<std::string> addresses_error;
  std::optional<std::string> host_ip;  // HOST_IP (downward API status.hostIP)
  bool host_ip_found() const;
};
WindowsNetworkFacts collect_windows_network_facts(const platform::Platform& os,
                                                  const IsolationAssessment& isolation);
HostVerdict judge_windows_host_network(const WindowsNetworkFacts& facts);

// The evidence the three results share on Windows: `namespace` (the compartment for the
// network, null for processes and IPC: Windows has no namespace id to show), the environment,
// the node's agents seen and the snapshot's size or error.
void add_windows_view_evidence(nlohmann::json& evidence, const WindowsHostView& view);

// "HostProcess container", "process-isolated container", "Hyper-V isolated container"...
std::string windows_kind_name(std::string_view environment);

}  // namespace capprobe::probes
