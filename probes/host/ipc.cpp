// host.ipc: does this process share the node's IPC namespace (hostIPC)? On Linux the namespace
// inode (the initial one has a fixed number), pid 1's namespace when pid 1 is the node's init,
// and the SysV IPC objects visible as a corroborating fact.
#include "probes/common/text.hpp"
#include "probes/host/host_linux.hpp"
#include "probes/host/host_windows.hpp"

namespace capprobe::probes {

ProbeInfo host_ipc_info() {
  return {.id = "host.ipc",
          .title = "Node IPC namespace (hostIPC)",
          .pod_spec_field = "hostIPC",
          .platforms = {"linux", "windows"}};
}

// Windows' IPC lives in the object namespace (named pipes, shared sections, mutexes, events):
// a server silo gives each container its own, and Windows offers no way to share it with the
// node. A HostProcess container has no silo of that kind: the node's pipes are at their paths.
HostVerdict judge_windows_host_ipc(const WindowsIpcFacts& facts) {
  HostVerdict v;
  const auto& view = facts.view;
  const auto kind = windows_kind_name(view.environment);
  const std::string pipes =
      facts.pipes_error ? "the pipe listing failed (" + facts.pipes_error->describe() + ")"
      : facts.node_pipes.empty()
          ? std::to_string(facts.pipes_seen) + " named pipes, none of the node's runtimes"
          : std::to_string(facts.pipes_seen) + " named pipes, among them the node's " +
                text::join(facts.node_pipes);
  const std::string agents = view.processes_error ? "the process snapshot failed"
                             : view.node_agents.empty()
                                 ? "none of the node's agents visible"
                                 : "the node's " + text::join(view.node_agents) + " visible";
  if (view.environment == "host" || view.environment == "windows_hostprocess") {
    v.observed = "shared";
    v.seen = "this " + kind + " uses the node's object namespace: " + pipes + "; " + agents;
    if (view.environment == "host" && facts.pipes_error && view.processes_error) {
      v.determined = false;
      v.undetermined_reason =
          "a process outside any container uses the node's object namespace, "
          "but neither the pipes nor the processes could be listed to show it";
    } else if (view.environment == "windows_hostprocess" && facts.node_pipes.empty() &&
               view.node_agents.empty()) {
      v.determined = false;
      v.undetermined_reason =
          "a HostProcess container shares the node's object namespace, but neither the node's "
          "pipes nor its agents were seen to show it";
    }
    return v;
  }
  v.observed = "isolated";
  v.applicable = false;
  v.not_applicable_reason =
      "Windows pods cannot share the node's IPC: hostIPC does not exist for Windows containers, "
      "whose named objects and pipes are their own; only a HostProcess container uses the node's";
  v.seen = "this " + kind + " has its own object namespace: " + pipes;
  return v;
}

std::string sysv_text(const SysvCounts& sysv) {
  const auto total = sysv.total();
  return total ? std::to_string(*total) + " SysV IPC objects visible"
               : "SysV IPC objects not readable";
}

std::optional<int> SysvCounts::total() const {
  if (!shm && !msg && !sem) return std::nullopt;
  return shm.value_or(0) + msg.value_or(0) + sem.value_or(0);
}

HostVerdict judge_host_ipc(const IpcFacts& facts) {
  HostVerdict v;
  const auto& link = facts.ipc_ns;
  const std::string sysv = sysv_text(facts.sysv);
  if (!link.readable()) {
    v.determined = false;
    v.undetermined_reason = ns::unreadable_reason(link);
    v.observed = facts.isolation.observed == "host" ? "shared" : "isolated";
    v.seen = "isolation " + facts.isolation.observed + ", " + sysv;
    return v;
  }
  if (facts.isolation.guest()) {
    v.observed = "isolated";
    v.seen =
        (link.initial() == true ? "IPC namespace " + link.link + " is the initial one of the " +
                                      facts.isolation.guest_name() + "'s kernel, not the node's"
                                : "this process has its own IPC namespace " + link.link +
                                      " inside a " + facts.isolation.guest_name()) +
        "; " + sysv;
    return v;
  }
  if (link.initial() == true) {
    v.observed = "shared";
    v.seen = "this process runs in the kernel's initial IPC namespace " + link.link + "; " + sysv;
    return v;
  }
  const auto& pid1 = facts.pid1_ipc_ns;
  if (pid1 && pid1->readable() && pid1->inode == link.inode) {
    v.observed = "shared";
    v.seen = "this process shares IPC namespace " + link.link +
             " with the node's pid 1 (a nested node: not the kernel's initial namespace); " + sysv;
    return v;
  }
  v.observed = "isolated";
  v.seen = "this process has its own IPC namespace " + link.link;
  if (pid1 && pid1->readable()) v.seen += " (the node's pid 1 is in " + pid1->link + ")";
  v.seen += "; " + sysv;
  return v;
}

}  // namespace capprobe::probes
