// host.ipc: does this process share the node's IPC namespace (hostIPC)? The namespace inode
// (the initial one has a fixed number), pid 1's namespace when pid 1 is the node's init, and
// the SysV IPC objects visible as a corroborating fact.
#include "platform/linux_facts.hpp"
#include "probes/common/json.hpp"
#include "probes/common/text.hpp"
#include "probes/host/host_judge.hpp"
#include "probes/probe.hpp"

namespace capprobe::probes {
namespace {

std::string sysv_text(const SysvCounts& sysv) {
  const auto total = sysv.total();
  return total ? std::to_string(*total) + " SysV IPC objects visible"
               : "SysV IPC objects not readable";
}

CapabilityResult run(ProbeContext& ctx) {
  CapabilityResult result;
  result.id = "host.ipc";
  result.requested = ctx.requests.host_ipc;
  const auto facts = collect_ipc_facts(ctx.os, isolation_of(ctx));
  apply_host_verdict(result, judge_host_ipc(facts), "hostIPC");
  auto& e = result.evidence;
  add_namespace_evidence(e, facts.ipc_ns, facts.scan, facts.isolation);
  add_pid1_namespace_evidence(e, facts.pid1_ipc_ns);
  e["sysv_objects"] = {{"shm", json_or_null(facts.sysv.shm)},
                       {"msg", json_or_null(facts.sysv.msg)},
                       {"sem", json_or_null(facts.sysv.sem)}};
  return result;
}

}  // namespace

std::optional<int> SysvCounts::total() const {
  if (!shm && !msg && !sem) return std::nullopt;
  return shm.value_or(0) + msg.value_or(0) + sem.value_or(0);
}

SysvCounts count_sysv_objects(const platform::Platform& os) {
  const auto count = [&os](const std::string& path) -> std::optional<int> {
    auto content = platform::linux_facts(os).read_file(path, 1 << 20);
    if (!content) return std::nullopt;  // ENOENT: a kernel without CONFIG_SYSVIPC
    const auto rows = text::lines(content.value());
    int objects = 0;
    for (std::size_t i = 1; i < rows.size(); ++i)  // the first line is the column header
      if (!text::trim(rows[i]).empty()) ++objects;
    return objects;
  };
  return {count("/proc/sysvipc/shm"), count("/proc/sysvipc/msg"), count("/proc/sysvipc/sem")};
}

IpcFacts collect_ipc_facts(const platform::Platform& os, const IsolationAssessment& isolation) {
  IpcFacts facts;
  facts.ipc_ns = ns::read_namespace(os, "self", "ipc");
  facts.pid_ns = ns::read_namespace(os, "self", "pid");
  facts.scan = ns::scan_processes(os);
  facts.sysv = count_sysv_objects(os);
  facts.isolation = {isolation.observed, isolation.flavor};
  if (sees_node_init(facts.pid_ns, facts.scan, facts.isolation))
    facts.pid1_ipc_ns = ns::read_namespace(os, "1", "ipc");
  return facts;
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

Probe host_ipc_linux_probe() {
  return {{.id = "host.ipc",
           .title = "Node IPC namespace (hostIPC)",
           .pod_spec_field = "hostIPC",
           .platforms = {"linux"}},
          run};
}

}  // namespace capprobe::probes
