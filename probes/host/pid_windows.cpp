// host.pid on Windows: the kind of process (the isolation assessment) and the Toolhelp snapshot.
#include "probes/host/host_windows.hpp"
#include "probes/probe.hpp"

namespace capprobe::probes {
namespace {

CapabilityResult run(ProbeContext& ctx) {
  CapabilityResult result;
  result.id = "host.pid";
  result.requested = ctx.requests.host_pid;
  const auto view = collect_windows_host_view(ctx.os, isolation_of(ctx));
  apply_host_verdict(result, judge_windows_host_pid(view), "hostPID");
  add_windows_view_evidence(result.evidence, view);
  return result;
}

}  // namespace

Probe host_pid_windows_probe() {
  return {host_pid_info(), run};
}

}  // namespace capprobe::probes
