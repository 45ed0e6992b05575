// host.pid on Linux: reads our PID namespace link and scans /proc for the node's agents.
#include <algorithm>

#include "probes/common/json.hpp"
#include "probes/host/host_linux.hpp"
#include "probes/probe.hpp"
#include "probes/round_reads.hpp"

namespace capprobe::probes {
namespace {

CapabilityResult run(ProbeContext& ctx) {
  CapabilityResult result;
  result.id = "host.pid";
  result.requested = ctx.requests.host_pid;
  const auto facts = collect_pid_facts(ctx.os, isolation_of(ctx), process_scan_of(ctx));
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

PidFacts collect_pid_facts(const platform::Platform& os, const IsolationAssessment& isolation,
                           const ns::ProcessScan& scan) {
  PidFacts facts;
  facts.pid_ns = ns::read_namespace(os, "self", "pid");
  facts.scan = scan;
  facts.isolation = {isolation.observed, isolation.flavor};
  return facts;
}

Probe host_pid_linux_probe() {
  return {host_pid_info(), run};
}

}  // namespace capprobe::probes
