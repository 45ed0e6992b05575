// The Windows isolation judgement over the facts of collect_windows.cpp. Four kinds:
//   HostProcess       CONTAINER_SANDBOX_MOUNT_POINT set; the node's agents visible (no process
//                     isolation), a service-account token         -> shared_kernel
//   the node itself   the node's agents visible, no HostProcess variable -> host
//   Hyper-V isolated  a container (CExecSvc.exe, a container account) whose kernel booted for
//                     it (fresh), on a machine of a utility VM's size, without SMBIOS -> vm_guest
//   process isolated  a container on a kernel that booted long before it, host-sized -> shared
// No registry flag tells them apart (PROBES.md): CPUID says "Microsoft Hv" in the root partition
// of a Hyper-V node as well as in its utility VMs, so the hypervisor alone decides nothing.
#include <algorithm>

#include "probes/common/json.hpp"
#include "probes/isolation/facts_windows.hpp"

namespace capprobe::probes {
namespace {

class Signals {
 public:
  void add(std::string signal) {
    if (std::find(list_.begin(), list_.end(), signal) == list_.end())
      list_.push_back(std::move(signal));
  }
  std::vector<std::string>& list() { return list_; }

 private:
  std::vector<std::string> list_;
};

nlohmann::json seconds(const std::optional<std::uint64_t>& ms) {
  return ms ? nlohmann::json(static_cast<double>(*ms) / 1000.0) : nlohmann::json(nullptr);
}

nlohmann::json error_name(const std::optional<platform::OsError>& error) {
  return error ? nlohmann::json(error->name) : nlohmann::json(nullptr);
}

// What the kernel and the machine say about a utility VM (guest) or the node (host).
struct SizeSignals {
  int guest = 0;
  int host = 0;
  bool two_processors = false;  // the utility VM default; a node may have 2 too: corroboration
};

SizeSignals read_size_signals(const WindowsIsolationFacts& facts, Signals& signals) {
  SizeSignals out;
  // A view that holds the node's agents holds the node's boot processes too: its earliest start
  // is the boot itself and says nothing about a container's age.
  if (facts.view_started_after_boot_ms && facts.node_agents.empty()) {
    if (*facts.view_started_after_boot_ms <= kWindowsFreshKernelMs) {
      signals.add("kernel:fresh");
      ++out.guest;
    } else {
      signals.add("kernel:long-running");
      ++out.host;
    }
  }
  if (facts.total_physical) {
    const auto total = *facts.total_physical;
    const bool vm_sized =
        total <= kUtilityVmDefaultMaxBytes ||
        (facts.job_memory_limit && total <= *facts.job_memory_limit + kUtilityVmLimitSlackBytes);
    signals.add(vm_sized ? "memory:utility-vm-sized" : "memory:host-sized");
    ++(vm_sized ? out.guest : out.host);
  }
  if (facts.rsmb_size == 0u || (facts.rsmb_error && facts.rsmb_error->is_absent())) {
    signals.add("firmware:no-RSMB");
    ++out.guest;
  } else if (facts.rsmb_size) {
    signals.add("firmware:RSMB");  // a utility VM may have one too: never a host hint
  }
  if (facts.processors == 2u) {
    signals.add("cpus:2");
    out.two_processors = true;
  }
  return out;
}

}  // namespace

IsolationAssessment judge_windows_isolation(const WindowsIsolationFacts& facts) {
  IsolationAssessment out;
  Signals signals;
  out.hypervisor = hypervisor_from_cpuid(facts.cpuid, signals.list());

  const bool hostprocess = facts.sandbox_mount_point.has_value();
  if (hostprocess) signals.add("env:CONTAINER_SANDBOX_MOUNT_POINT");
  for (const auto& agent : facts.node_agents) signals.add("process:" + agent);
  const bool agents = !facts.node_agents.empty();
  if (facts.container_exec_service) signals.add("process:CExecSvc.exe");
  const bool service_account = facts.user_sid && is_service_account_sid(*facts.user_sid);
  const bool container_account = facts.user_sid && is_container_account_sid(*facts.user_sid);
  if (service_account || container_account) signals.add("token:" + *facts.user_sid);
  const bool container = facts.container_exec_service || container_account;
  const auto size = read_size_signals(facts, signals);

  const auto hyperv = [&out](std::string confidence) {
    out.observed = "vm_guest";
    out.flavor = "hyperv";
    out.environment = "windows_hyperv";
    out.confidence = std::move(confidence);
  };
  std::string basis;
  if (hostprocess && agents) {
    out.observed = "shared_kernel";
    out.environment = "windows_hostprocess";
    out.confidence = "high";
    basis =
        "CONTAINER_SANDBOX_MOUNT_POINT is set and the node's agents are visible: a "
        "HostProcess container";
  } else if (hostprocess && size.guest >= 2) {
    // hcsshim can run a HostProcess container inside a utility VM: its "host" is the VM.
    hyperv("medium");
    basis =
        "CONTAINER_SANDBOX_MOUNT_POINT is set, but no node agent is visible and the kernel "
        "and machine look like a utility VM's: a HostProcess container inside a utility VM";
  } else if (hostprocess) {
    out.observed = "shared_kernel";
    out.environment = "windows_hostprocess";
    out.confidence = service_account ? "medium" : "low";
    basis =
        "CONTAINER_SANDBOX_MOUNT_POINT is set, as in a HostProcess container, but no node "
        "agent was seen in the process snapshot";
  } else if (agents) {
    out.observed = "host";
    out.environment = "host";
    out.confidence = "high";
    basis =
        "the node's agents are visible and no HostProcess variable is set: a process on the "
        "node itself";
  } else if (container && size.guest >= 2) {
    hyperv(size.guest >= 3 || size.two_processors ? "high" : "medium");
    basis =
        "a Windows container whose kernel and machine look like a utility VM's (fresh "
        "kernel, utility-VM-sized memory, no SMBIOS table)";
  } else if (container && size.guest == 1 && size.host == 0) {
    hyperv("low");
    basis = "a Windows container with one utility-VM hint and no sign of the node's kernel";
  } else if (container) {
    out.observed = "shared_kernel";
    out.environment = "windows_process";
    out.confidence =
        size.host >= 2 ? "high" : (size.host == 1 && size.guest == 0 ? "medium" : "low");
    basis = size.host > 0 ? "a Windows container on a kernel that booted long before it, on a "
                            "node-sized machine: process isolation"
                          : "a Windows container without the signals that tell process from "
                            "Hyper-V isolation; process isolation is the default";
  } else {
    out.observed = "host";
    out.environment = "host";
    const bool read = !facts.processes_error && !facts.token_error;
    out.confidence = read ? "medium" : "low";
    basis = read ? "no container signal (no CExecSvc.exe, no container account) and no node agent"
                 : "no container signal, but the process snapshot or the token was unreadable";
  }

  out.signals = std::move(signals.list());
  auto& e = out.evidence;
  e["basis"] = basis;
  e["environment"] = out.environment;
  e["cpuid_hypervisor_bit"] = json_or_null(facts.cpuid.hypervisor_bit);
  e["cpuid_vendor"] =
      facts.cpuid.vendor.empty() ? nlohmann::json(nullptr) : nlohmann::json(facts.cpuid.vendor);
  e["sandbox_mount_point"] = json_or_null(facts.sandbox_mount_point);
  e["processes_seen"] = facts.processes_seen;
  e["processes_error"] = error_name(facts.processes_error);
  e["node_agents_visible"] = facts.node_agents;
  e["container_exec_service"] = facts.container_exec_service;
  e["user_sid"] = json_or_null(facts.user_sid);
  e["user_name"] = json_or_null(facts.user_name);
  e["token_error"] = error_name(facts.token_error);
  e["uptime_s"] = seconds(facts.uptime_ms);
  e["view_started_after_boot_s"] = seconds(facts.view_started_after_boot_ms);
  e["self_started_after_boot_s"] = seconds(facts.self_started_after_boot_ms);
  e["total_physical_bytes"] = json_or_null(facts.total_physical);
  e["memory_error"] = error_name(facts.memory_error);
  e["job_memory_limit_bytes"] = json_or_null(facts.job_memory_limit);
  e["processors"] = json_or_null(facts.processors);
  e["firmware_rsmb_bytes"] = json_or_null(facts.rsmb_size);
  e["firmware_rsmb_error"] = error_name(facts.rsmb_error);
  e["kernel_build"] = json_or_null(facts.kernel_build);
  return out;
}

IsolationAssessment assess_isolation_windows(const platform::Platform& os) {
  return judge_windows_isolation(collect_windows_isolation_facts(os));
}

}  // namespace capprobe::probes
