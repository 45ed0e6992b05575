// host.pid: does this process share the node's PID namespace (hostPID)? On Linux the namespace
// inode, corroborated by a bounded scan of /proc for the node's own agents; on Windows only a
// HostProcess container (or a process on the node) sees the node's processes.
#include "probes/common/text.hpp"
#include "probes/host/host_linux.hpp"
#include "probes/host/host_windows.hpp"

namespace capprobe::probes {
namespace {

std::string pid1_text(const ns::ProcessScan& scan) {
  return scan.pid1_comm ? "pid 1 is " + *scan.pid1_comm : "pid 1 is not visible";
}

// "24 processes visible, among them the node's kubelet.exe, containerd.exe".
std::string snapshot_text(const WindowsHostView& view) {
  if (view.processes_error)
    return "the process snapshot failed (" + view.processes_error->describe() + ")";
  auto text = std::to_string(view.processes_seen) + " processes visible";
  text += view.node_agents.empty() ? ", none of the node's agents"
                                   : ", among them the node's " + text::join(view.node_agents);
  return text;
}

}  // namespace

ProbeInfo host_pid_info() {
  return {.id = "host.pid",
          .title = "Node PID namespace (hostPID)",
          .pod_spec_field = "hostPID",
          .platforms = {"linux", "windows"}};
}

HostVerdict judge_windows_host_pid(const WindowsHostView& view) {
  HostVerdict v;
  const auto kind = windows_kind_name(view.environment);
  const auto snapshot = snapshot_text(view);
  if (view.environment == "host") {
    v.observed = "shared";
    v.seen = "this " + kind + " sees the node's processes: " + snapshot;
    if (view.processes_error) {
      v.determined = false;
      v.undetermined_reason = "a process outside any container sees the node's processes, but " +
                              snapshot + " to show it";
    }
    return v;
  }
  if (view.environment == "windows_hostprocess") {
    v.observed = "shared";
    v.seen = "this " + kind + " has no process isolation: " + snapshot;
    if (view.processes_error) {
      v.determined = false;
      v.undetermined_reason = "a HostProcess container sees the node's processes, but " + snapshot;
    } else if (view.node_agents.empty()) {
      v.determined = false;
      v.undetermined_reason =
          "a HostProcess container sees the node's processes, but its snapshot shows none of "
          "the node's agents (kubelet.exe, containerd.exe)";
    }
    return v;
  }
  // Process and Hyper-V isolated containers: each has its own process table (a server silo,
  // and a utility VM around it), and the pod spec cannot ask otherwise.
  v.observed = "isolated";
  v.applicable = false;
  v.not_applicable_reason =
      "Windows pods cannot share the node's processes: hostPID does not exist for Windows "
      "containers, only a HostProcess container sees the node's processes";
  v.seen = "this " + kind + " has its own process table: " + snapshot;
  return v;
}

HostVerdict judge_host_pid(const PidFacts& facts) {
  HostVerdict v;
  const auto& link = facts.pid_ns;
  const std::string name = link.readable() ? link.link : std::string("(unreadable)");
  if (!facts.scan.node_agents.empty()) {
    // Seeing the node's kubelet or runtime is the demonstration itself, whatever the inode says
    // (a nested node such as kind runs in a non-initial PID namespace of its own).
    v.observed = "shared";
    v.seen = "this process sees the node's processes (" + text::join(facts.scan.node_agents) +
             ") in PID namespace " + name + "; " + pid1_text(facts.scan);
    return v;
  }
  if (!link.readable()) {
    v.determined = false;
    v.undetermined_reason = ns::unreadable_reason(link);
    v.observed = facts.isolation.observed == "host" ? "shared" : "isolated";
    v.seen = "isolation " + facts.isolation.observed + ", no node agent visible, " +
             pid1_text(facts.scan);
    return v;
  }
  if (facts.isolation.guest()) {
    v.observed = "isolated";
    v.seen = link.initial() == true
                 ? "PID namespace " + name + " is the initial one of the " +
                       facts.isolation.guest_name() + "'s kernel, not the node's; " +
                       pid1_text(facts.scan)
                 : "this process has its own PID namespace " + name + " inside a " +
                       facts.isolation.guest_name() + "; " + pid1_text(facts.scan);
    return v;
  }
  if (link.initial() == true) {
    v.observed = "shared";
    v.seen = "this process runs in the kernel's initial PID namespace " + name + "; " +
             pid1_text(facts.scan);
    return v;
  }
  v.observed = "isolated";
  v.seen = "this process has its own PID namespace " + name + " (" + pid1_text(facts.scan) +
           ", no node agent visible)";
  return v;
}

}  // namespace capprobe::probes
