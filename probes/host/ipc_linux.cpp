// host.ipc on Linux: our IPC namespace link, pid 1's when pid 1 is the node's init, and the
// SysV IPC objects listed under /proc/sysvipc.
#include "platform/linux_facts.hpp"
#include "probes/common/json.hpp"
#include "probes/common/text.hpp"
#include "probes/host/host_linux.hpp"
#include "probes/probe.hpp"
#include "probes/round_reads.hpp"

namespace capprobe::probes {
namespace {

CapabilityResult run(ProbeContext& ctx) {
  CapabilityResult result;
  result.id = "host.ipc";
  result.requested = ctx.requests.host_ipc;
  const auto facts = collect_ipc_facts(ctx.os, isolation_of(ctx), process_scan_of(ctx));
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

IpcFacts collect_ipc_facts(const platform::Platform& os, const IsolationAssessment& isolation,
                           const ns::ProcessScan& scan) {
  IpcFacts facts;
  facts.ipc_ns = ns::read_namespace(os, "self", "ipc");
  facts.pid_ns = ns::read_namespace(os, "self", "pid");
  facts.scan = scan;
  facts.sysv = count_sysv_objects(os);
  facts.isolation = {isolation.observed, isolation.flavor};
  if (sees_node_init(facts.pid_ns, facts.scan, facts.isolation))
    facts.pid1_ipc_ns = ns::read_namespace(os, "1", "ipc");
  return facts;
}

Probe host_ipc_linux_probe() {
  return {host_ipc_info(), run};
}

}  // namespace capprobe::probes
