// host.ipc on Windows: the kind of process, the Toolhelp snapshot and the names under \\.\pipe\.
#include "probes/host/host_windows.hpp"
#include "probes/probe.hpp"

namespace capprobe::probes {
namespace {

CapabilityResult run(ProbeContext& ctx) {
  CapabilityResult result;
  result.id = "host.ipc";
  result.requested = ctx.requests.host_ipc;
  const auto facts = collect_windows_ipc_facts(ctx.os, isolation_of(ctx));
  apply_host_verdict(result, judge_windows_host_ipc(facts), "hostIPC");
  auto& e = result.evidence;
  add_windows_view_evidence(e, facts.view);
  e["pipes_seen"] = facts.pipes_error ? nlohmann::json(nullptr) : nlohmann::json(facts.pipes_seen);
  if (facts.pipes_error) e["pipes_error"] = facts.pipes_error->name;
  e["node_pipes_visible"] = facts.node_pipes;
  return result;
}

}  // namespace

Probe host_ipc_windows_probe() {
  return {host_ipc_info(), run};
}

}  // namespace capprobe::probes
