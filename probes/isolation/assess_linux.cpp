// The Linux isolation judgement: which hypervisor, if any, and whether this process runs on the
// node's kernel (shared_kernel), a pod VM's own kernel (vm_guest), a user-space kernel
// (sandbox) or a host outside any container. CPUID inside a plain container describes the
// node's hypervisor, so a hypervisor alone never makes a vm_guest.
#include <algorithm>

#include "probes/common/json.hpp"
#include "probes/common/mountinfo.hpp"
#include "probes/common/text.hpp"
#include "probes/isolation/assess.hpp"
#include "probes/isolation/facts_linux.hpp"

namespace capprobe::probes {
namespace {

// A pod VM boots for its pod: the container starts seconds after the guest kernel. A node's
// containers start long after its boot (kubelet, registration, scheduling, image pulls).
constexpr double kFreshKernelSeconds = 30.0;
// gVisor's /proc/version is a constant with this build date (pkg/sentry, _LINUX_VERSION).
constexpr std::string_view kGvisorVersionDate = "Sun Jan 10 15:06:54 PST 2016";

class Signals {
 public:
  void add(std::string signal) {
    if (std::find(list_.begin(), list_.end(), signal) == list_.end())
      list_.push_back(std::move(signal));
  }
  bool has(std::string_view signal) const {
    return std::find(list_.begin(), list_.end(), signal) != list_.end();
  }
  const std::vector<std::string>& list() const { return list_; }

 private:
  std::vector<std::string> list_;
};

std::optional<std::string> hypervisor_from_dmi(const IsolationFacts& facts) {
  if (!facts.dmi_sys_vendor) return std::nullopt;
  const auto& vendor = *facts.dmi_sys_vendor;
  const auto product = facts.dmi_product_name.value_or("");
  // A KVM-accelerated QEMU announces KVMKVMKVM through CPUID; QEMU's DMI without any CPUID
  // signature on an x86 CPU is emulation (TCG). Without CPUID (arm64) the two look alike.
  if (vendor == "QEMU") return facts.cpuid_hypervisor_bit.has_value() ? "tcg" : "qemu";
  if (vendor == "KVM" || product == "KVM") return "kvm";
  if (vendor.find("VMware") != std::string::npos) return "vmware";
  if (vendor == "Microsoft Corporation" && product == "Virtual Machine") return "microsoft";
  if (vendor == "Xen") return "xen";
  if (vendor == "innotek GmbH" || product == "VirtualBox") return "oracle";
  if (vendor == "BHYVE") return "bhyve";
  if (vendor.find("Parallels") != std::string::npos) return "parallels";
  return std::nullopt;
}

std::optional<std::string> judge_hypervisor(const IsolationFacts& facts, Signals& signals) {
  std::vector<std::string> cpuid_signals;
  auto hypervisor = hypervisor_from_cpuid(
      {facts.cpuid_hypervisor_bit, facts.cpuid_vendor, facts.cpuid_vendor_next}, cpuid_signals);
  for (auto& signal : cpuid_signals) signals.add(std::move(signal));
  if (facts.dmi_state == "present") {
    if (facts.dmi_sys_vendor && !facts.dmi_sys_vendor->empty())
      signals.add("dmi:" + *facts.dmi_sys_vendor);
  } else {
    signals.add("dmi:" + facts.dmi_state);  // "dmi:absent" is itself a Firecracker hint
  }
  if (!hypervisor || hypervisor == "unknown") {
    if (auto from_dmi = hypervisor_from_dmi(facts)) hypervisor = from_dmi;
  }
  if (facts.sys_hypervisor_type && !facts.sys_hypervisor_type->empty()) {
    signals.add("sys_hypervisor:" + *facts.sys_hypervisor_type);
    if (!hypervisor || hypervisor == "unknown") hypervisor = *facts.sys_hypervisor_type;
  }
  return hypervisor;
}

struct CmdlineSignals {
  bool kata = false;               // agent.* or systemd.unit=kata-containers.target
  bool firecracker_agent = false;  // firecracker-containerd's guest: its target or overlay-init
  bool virtio_mmio = false;        // Firecracker (and other microVMs) pass devices this way
  std::vector<std::string> matches;
};

CmdlineSignals read_cmdline(const std::optional<std::string>& cmdline, Signals& signals) {
  CmdlineSignals out;
  if (!cmdline) return out;
  for (const auto& param : text::split_whitespace(*cmdline)) {
    if (param == "--") break;  // the rest are arguments for init, not kernel parameters
    if (text::starts_with(param, "agent.")) {
      out.kata = true;
      signals.add("cmdline:agent.*");
      out.matches.push_back(param.substr(0, param.find('=')));  // names only: values are config
    } else if (param == "systemd.unit=kata-containers.target") {
      out.kata = true;
      signals.add("cmdline:" + param);
      out.matches.push_back(param);
    } else if (param == "systemd.unit=firecracker.target" || param == "init=/sbin/overlay-init") {
      out.firecracker_agent = true;
      signals.add("cmdline:" + param);
      out.matches.push_back(param);
    } else if (text::starts_with(param, "virtio_mmio.device=")) {
      out.virtio_mmio = true;
      signals.add("cmdline:virtio_mmio.device");
      out.matches.push_back(param);
    }
  }
  return out;
}

struct ContainerSignals {
  bool strong = false;  // own PID namespace, or a runtime's cgroup path
  int weak = 0;         // marker files, overlay root: each also found on plain hosts
  bool in_container() const { return strong || weak >= 2; }
};

ContainerSignals read_container(const IsolationFacts& facts, Signals& signals) {
  ContainerSignals out;
  if (const auto initial = facts.pid_ns.initial()) {
    signals.add(*initial ? "pidns:initial" : "pidns:own");
    if (!*initial) out.strong = true;
  } else if (facts.pid_ns.error) {
    signals.add("pidns:" + facts.pid_ns.error->name);
  }
  for (const auto& marker : facts.cgroup_markers) {
    signals.add("cgroup:" + marker);
    out.strong = true;
  }
  // Images built from a container keep /.dockerenv (this project's own test VM has one), so
  // a marker file alone does not make a container.
  if (facts.dockerenv) {
    signals.add("file:/.dockerenv");
    ++out.weak;
  }
  if (facts.containerenv) {
    signals.add("file:/run/.containerenv");
    ++out.weak;
  }
  if (facts.root_fs_type == "overlay") {
    signals.add("root:overlay");
    ++out.weak;
  }
  return out;
}

}  // namespace

std::string linux_environment(std::string_view observed) {
  if (observed == "shared_kernel") return "container";
  return std::string(observed);  // host, vm_guest, sandbox
}

IsolationAssessment judge_isolation(const IsolationFacts& facts) {
  IsolationAssessment out;
  Signals signals;
  out.boot_id = facts.boot_id;
  out.hypervisor = judge_hypervisor(facts, signals);
  const auto cmdline = read_cmdline(facts.cmdline, signals);

  const bool kata_root = facts.root_source == kKataShareSource;
  if (kata_root) signals.add("root:kataShared");
  const bool shared_fs_root = facts.root_fs_type && is_host_share_fs(*facts.root_fs_type);
  if (shared_fs_root) signals.add("root:" + *facts.root_fs_type);

  const bool gvisor_version =
      facts.proc_version && facts.proc_version->find(kGvisorVersionDate) != std::string::npos;
  const bool gvisor_release =
      facts.proc_version && text::starts_with(*facts.proc_version, "Linux version 4.4.0 ");
  if (gvisor_version) signals.add("proc_version:gvisor");
  if (facts.modules_state != "present") signals.add("modules:" + facts.modules_state);

  const auto container = read_container(facts, signals);

  // Own-kernel hints: a guest kernel booted just before this container, or a PID namespace
  // that is the kernel's initial one yet holds no node agent (hostPID granted by a pod VM).
  const bool own_pidns = facts.pid_ns.initial() == false;
  const auto container_start =
      own_pidns ? facts.pid1_started_after_boot_s : facts.self_started_after_boot_s;
  const bool fresh =
      container.in_container() && container_start && *container_start <= kFreshKernelSeconds;
  if (fresh) signals.add("kernel:fresh");
  const bool initial_without_agents = container.in_container() && facts.pid_ns.initial() == true &&
                                      facts.agent_scan && facts.agent_scan->complete() &&
                                      facts.agent_scan->node_agents.empty();
  if (initial_without_agents) signals.add("pidns:initial-without-node-agents");
  // The node's own kubelet or runtime in our PID namespace proves the node's kernel, however
  // fresh it looks (a DaemonSet pod started right after the node booted).
  const bool node_agents_seen = facts.agent_scan && !facts.agent_scan->node_agents.empty();
  if (node_agents_seen) signals.add("pidns:node-agents-visible");
  const int guest_hints = (fresh ? 1 : 0) + (initial_without_agents ? 1 : 0) +
                          (container.in_container() && shared_fs_root ? 1 : 0);

  // Which pod-VM flavour the hypervisor points to, when nothing names the runtime outright.
  std::optional<std::string> vm_flavor;
  if (out.hypervisor == "vmware") vm_flavor = "crx";
  if (out.hypervisor == "microsoft") vm_flavor = "hyperv";
  if (out.hypervisor == "kvm" && (cmdline.virtio_mmio || facts.dmi_state == "absent"))
    vm_flavor = "firecracker";

  std::string basis;
  if (gvisor_version || (gvisor_release && facts.modules_state == "absent")) {
    out.observed = "sandbox";
    out.flavor = "gvisor";
    out.confidence = gvisor_version ? "high" : "medium";
    basis = gvisor_version ? "gVisor's synthetic /proc/version"
                           : "kernel release 4.4.0 without /proc/modules, as gVisor reports";
  } else if (cmdline.kata || kata_root) {
    out.observed = "vm_guest";
    out.flavor = "kata";
    out.confidence = "high";
    basis = "Kata Containers guest markers (kernel command line or kataShared root)";
  } else if (cmdline.firecracker_agent) {
    out.observed = "vm_guest";
    out.flavor = "firecracker";
    out.confidence = "high";
    basis = "firecracker-containerd guest kernel command line";
  } else if (container.in_container() && !node_agents_seen && out.hypervisor && guest_hints > 0 &&
             (vm_flavor || shared_fs_root)) {
    out.observed = "vm_guest";
    out.flavor = vm_flavor;
    out.confidence = guest_hints >= 2 ? "medium" : "low";
    basis =
        "a container under a " + *out.hypervisor +
        " hypervisor with own-kernel hints (fresh kernel, guest PID namespace or shared-fs root)";
  } else if (container.in_container()) {
    out.observed = "shared_kernel";
    out.confidence = container.strong ? "high" : "medium";
    basis = container.strong ? "own PID namespace or a container runtime's cgroup"
                             : "container marker files and an overlay root";
    if (node_agents_seen) {
      out.confidence = "high";
      basis += "; the node's own agents are visible";
    } else if (guest_hints > 0) {
      out.confidence = "low";
      basis += "; the kernel also looks freshly booted, as in a pod VM without known markers";
    }
  } else {
    out.observed = "host";
    out.confidence = facts.pid_ns.readable() ? (container.weak == 0 ? "high" : "medium") : "low";
    basis = facts.pid_ns.readable() ? "initial PID namespace and no container runtime cgroup"
                                    : "no container signal, but the PID namespace was unreadable";
  }

  out.signals = signals.list();
  out.environment = linux_environment(out.observed);
  auto& e = out.evidence;
  e["basis"] = basis;
  e["cpuid_hypervisor_bit"] = json_or_null(facts.cpuid_hypervisor_bit);
  e["cpuid_vendor"] =
      facts.cpuid_vendor.empty() ? nlohmann::json(nullptr) : nlohmann::json(facts.cpuid_vendor);
  e["dmi"] = facts.dmi_state;
  e["dmi_sys_vendor"] = json_or_null(facts.dmi_sys_vendor);
  e["dmi_product_name"] = json_or_null(facts.dmi_product_name);
  e["sys_hypervisor_type"] = json_or_null(facts.sys_hypervisor_type);
  e["cmdline_matches"] = cmdline.matches;
  e["proc_version"] = json_or_null(facts.proc_version);
  e["proc_modules"] = facts.modules_state;
  e["root_mount"] = facts.root_fs_type ? nlohmann::json{{"source", facts.root_source.value_or("")},
                                                        {"fs_type", *facts.root_fs_type}}
                                       : nlohmann::json(nullptr);
  e["pid_ns"] = facts.pid_ns.json();
  if (facts.pid_ns.error) e["pid_ns_error"] = facts.pid_ns.error->name;
  e["cgroup_paths"] = facts.cgroup_paths;
  e["uptime_s"] = json_or_null(facts.uptime_s);
  e["pid1_started_after_boot_s"] = json_or_null(facts.pid1_started_after_boot_s);
  e["self_started_after_boot_s"] = json_or_null(facts.self_started_after_boot_s);
  e["proc_of_own_pid_namespace"] = facts.proc_of_own_pid_namespace;
  e["node_agents_visible"] =
      facts.agent_scan ? nlohmann::json(facts.agent_scan->node_agents) : nlohmann::json(nullptr);
  return out;
}

IsolationAssessment assess_isolation_linux(const platform::Platform& os, RoundReads& reads) {
  return judge_isolation(collect_isolation_facts(os, reads));
}

}  // namespace capprobe::probes
