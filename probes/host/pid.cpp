// host.pid: does this process share the node's PID namespace (hostPID)? The namespace inode,
// corroborated by a bounded scan of /proc for the node's own agents.
#include <algorithm>

#include "probes/common/json.hpp"
#include "probes/common/text.hpp"
#include "probes/host/host_judge.hpp"
#include "probes/probe.hpp"

namespace capprobe::probes {
namespace {

std::string pid1_text(const ns::ProcessScan& scan) {
  return scan.pid1_comm ? "pid 1 is " + *scan.pid1_comm : "pid 1 is not visible";
}

CapabilityResult run(ProbeContext& ctx) {
  CapabilityResult result;
  result.id = "host.pid";
  result.requested = ctx.requests.host_pid;
  const auto facts = collect_pid_facts(ctx.os, isolation_of(ctx));
  apply_host_verdict(result, judge_host_pid(facts), "hostPID");
  auto& e = result.evidence;
  add_namespace_evidence(e, facts.pid_ns, facts.scan, facts.isolation);
  e["pid1_comm"] = json_or_null(facts.scan.pid1_comm);
  e["kubelet_visible"] = std::find(facts.scan.node_agents.begin(), facts.scan.node_agents.end(),
                                   "kubelet") != facts.scan.node_agents.end();
  e["process_scan"] = facts.scan.json();
  return result;
}

}  // namespace

PidFacts collect_pid_facts(const platform::Platform& os, const IsolationAssessment& isolation) {
  PidFacts facts;
  facts.pid_ns = ns::read_namespace(os, "self", "pid");
  facts.scan = ns::scan_processes(os);
  facts.isolation = {isolation.observed, isolation.flavor};
  return facts;
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

Probe host_pid_linux_probe() {
  return {{.id = "host.pid",
           .title = "Node PID namespace (hostPID)",
           .pod_spec_field = "hostPID",
           .platforms = {"linux"}},
          run};
}

}  // namespace capprobe::probes
