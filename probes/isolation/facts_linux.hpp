// The Linux facts behind the isolation judgement (read by collect_linux.cpp from /proc, /sys and
// CPUID) and the pure judge over them (assess_linux.cpp), split so that the judge is tested
// table-driven without any filesystem.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "platform/platform.hpp"
#include "probes/host/namespaces.hpp"
#include "probes/isolation/assess.hpp"

namespace capprobe::probes {

struct IsolationFacts {
  // --- which hypervisor, if any ---
  std::optional<bool> cpuid_hypervisor_bit;  // leaf 1 ECX bit 31; nullopt = no CPUID (non-x86)
  std::string cpuid_vendor;                  // leaf 0x40000000 EBX,ECX,EDX; NULs dropped
  std::string cpuid_vendor_next;  // leaf 0x40000100, read behind "Microsoft Hv" (KVM hides there)
  std::optional<std::string> dmi_sys_vendor;       // /sys/class/dmi/id/sys_vendor
  std::optional<std::string> dmi_product_name;     // /sys/class/dmi/id/product_name
  std::string dmi_state = "present";               // "present", "absent", or the errno name
  std::optional<std::string> sys_hypervisor_type;  // /sys/hypervisor/type ("xen")

  // --- whose kernel ---
  std::optional<std::string> cmdline;       // /proc/cmdline; nullopt when unreadable
  std::optional<std::string> proc_version;  // /proc/version
  std::string modules_state = "present";    // /proc/modules: "present", "absent", errno name
  std::optional<std::string> root_source;   // source and type of the mount at "/"
  std::optional<std::string> root_fs_type;

  // --- container signals ---
  ns::NamespaceLink pid_ns;
  bool dockerenv = false;                   // /.dockerenv
  bool containerenv = false;                // /run/.containerenv (podman, CRI-O)
  std::vector<std::string> cgroup_markers;  // "kubepods", "docker"... from /proc/self/cgroup
  std::vector<std::string> cgroup_paths;    // the /proc/self/cgroup lines that carried them

  // --- how fresh the kernel is ---
  std::optional<double> uptime_s;                   // /proc/uptime
  std::optional<double> pid1_started_after_boot_s;  // /proc/1/stat field 22
  std::optional<double> self_started_after_boot_s;  // /proc/self/stat field 22
  bool proc_of_own_pid_namespace = true;  // false: /proc is an ancestor namespace's procfs
  // Only scanned when the PID namespace is the initial one and container hints exist: then a
  // namespace without any node agent is a VM guest's, not the node's.
  std::optional<ns::ProcessScan> agent_scan;

  std::string boot_id;  // /proc/sys/kernel/random/boot_id, trimmed; empty when unreadable
};

// Reads every fact; each read failure is recorded, none throws. The mount table and the process
// scan come through `reads`, which the round's probes share.
IsolationFacts collect_isolation_facts(const platform::Platform& os, RoundReads& reads);
IsolationFacts collect_isolation_facts(const platform::Platform& os);  // with reads of its own

// The verdict: sandbox, vm_guest, shared_kernel or host, with hypervisor, flavor, signals,
// confidence and the raw facts as evidence.
IsolationAssessment judge_isolation(const IsolationFacts& facts);

// isolation.kernel's observed word -> subject.environment ("shared_kernel" -> "container").
std::string linux_environment(std::string_view observed);

// Markers of a container runtime in one /proc/self/cgroup path ("kubepods", "docker",
// "containerd", "crio", "libpod", "lxc"); empty when the path looks like a plain host's.
std::vector<std::string> cgroup_container_markers(std::string_view path);

// Seconds after boot at which a process started, from /proc/<pid>/stat (field 22, in clock
// ticks of USER_HZ, which is 100 on every Linux architecture capprobe builds for).
std::optional<double> started_after_boot_s(std::string_view stat_text);

// Whether the facts show any container hint at all (decides whether the agent scan is worth it).
bool has_container_hints(const IsolationFacts& facts);

}  // namespace capprobe::probes
