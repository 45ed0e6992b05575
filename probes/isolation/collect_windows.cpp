// Reads the Windows facts of the isolation judgement: CPUID, CONTAINER_SANDBOX_MOUNT_POINT, a
// Toolhelp snapshot, the token, GetTickCount64, the machine's memory and processors, the job's
// memory limit and the SMBIOS firmware table. Every failure is kept as a fact; nothing is decided
// here.
#include <algorithm>
#include <array>
#include <cctype>

#include "platform/windows_facts.hpp"
#include "probes/common/text.hpp"
#include "probes/isolation/facts_windows.hpp"

namespace capprobe::probes {
namespace {

std::string lowercase(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// The kernel's own entries: their start is the boot, whichever silo lists them (a container's
// snapshot shows System and Idle too).
bool is_kernel_entry(const platform::ProcessEntry& entry) {
  static const std::array<std::string_view, 5> kNames = {"system", "idle", "registry",
                                                         "memory compression", "secure system"};
  if (entry.pid == 0 || entry.pid == 4) return true;
  const auto name = lowercase(entry.image);
  return std::find(kNames.begin(), kNames.end(), name) != kNames.end();
}

void collect_processes(const platform::Platform& os, const platform::WindowsFacts& windows,
                       WindowsIsolationFacts& facts) {
  const auto processes = windows.processes();
  if (!processes) {
    facts.processes_error = processes.error();
    return;
  }
  const auto self = static_cast<std::uint32_t>(os.self_pid());
  for (const auto& entry : processes.value()) {
    ++facts.processes_seen;
    if (is_windows_node_agent(entry.image) &&
        std::find(facts.node_agents.begin(), facts.node_agents.end(), entry.image) ==
            facts.node_agents.end())
      facts.node_agents.push_back(entry.image);
    if (lowercase(entry.image) == "cexecsvc.exe") facts.container_exec_service = true;
    if (entry.pid == self) facts.self_started_after_boot_ms = entry.created_after_boot_ms;
    if (!entry.created_after_boot_ms || is_kernel_entry(entry)) continue;
    if (!facts.view_started_after_boot_ms ||
        *entry.created_after_boot_ms < *facts.view_started_after_boot_ms)
      facts.view_started_after_boot_ms = entry.created_after_boot_ms;
  }
  std::sort(facts.node_agents.begin(), facts.node_agents.end());
}

void collect_machine(const platform::Platform& os, const platform::WindowsFacts& windows,
                     WindowsIsolationFacts& facts) {
  facts.uptime_ms = windows.uptime_ms();
  if (const auto memory = windows.memory())
    facts.total_physical = memory.value().total_physical;
  else
    facts.memory_error = memory.error();
  if (const auto job = windows.job(); job && job.value().in_job && job.value().memory) {
    const auto& limits = job.value().memory.value();
    facts.job_memory_limit =
        limits.job_memory_limit ? limits.job_memory_limit : limits.process_memory_limit;
  }
  if (const auto numa = windows.numa(); numa && numa.value().active_processors > 0)
    facts.processors = numa.value().active_processors;
  else if (const auto cpus = os.allowed_cpus(); cpus && !cpus.value().empty())
    facts.processors = static_cast<std::uint32_t>(cpus.value().size());
  if (const auto rsmb = windows.firmware_table_size("RSMB"))
    facts.rsmb_size = rsmb.value();
  else
    facts.rsmb_error = rsmb.error();
  if (const auto version = windows.kernel_version()) facts.kernel_build = version.value().build;
}

}  // namespace

bool is_windows_node_agent(std::string_view image) {
  // The kubelet and kube-proxy, the runtimes, the runhcs shim per pod, and the Host Compute
  // Service: none runs inside a Windows container or a utility VM.
  static const std::array<std::string_view, 6> kAgents = {"kubelet.exe",
                                                          "kube-proxy.exe",
                                                          "containerd.exe",
                                                          "dockerd.exe",
                                                          "containerd-shim-runhcs-v1.exe",
                                                          "vmcompute.exe"};
  const auto name = lowercase(image);
  return std::find(kAgents.begin(), kAgents.end(), name) != kAgents.end();
}

bool is_service_account_sid(std::string_view sid) {
  return sid == "S-1-5-18" || sid == "S-1-5-19" || sid == "S-1-5-20";
}

bool is_container_account_sid(std::string_view sid) {
  // S-1-5-93-2-1 ContainerAdministrator, S-1-5-93-2-2 ContainerUser: virtual accounts that
  // exist only inside Windows containers.
  return text::starts_with(sid, "S-1-5-93-2-");
}

WindowsIsolationFacts collect_windows_isolation_facts(const platform::Platform& os) {
  const auto& windows = platform::windows_facts(os);
  WindowsIsolationFacts facts;
  facts.cpuid = read_cpuid_hypervisor(os);
  if (auto mount = os.env("CONTAINER_SANDBOX_MOUNT_POINT"); mount && !text::trim(*mount).empty())
    facts.sandbox_mount_point = std::string(text::trim(*mount));
  collect_processes(os, windows, facts);
  if (const auto token = windows.token()) {
    facts.user_sid = token.value().user_sid;
    facts.user_name = token.value().user_name;
  } else {
    facts.token_error = token.error();
  }
  collect_machine(os, windows, facts);
  return facts;
}

}  // namespace capprobe::probes
