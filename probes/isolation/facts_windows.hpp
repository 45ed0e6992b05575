// The Windows facts behind the isolation judgement (read by collect_windows.cpp through
// WindowsFacts and the shared Platform) and the pure judge over them (assess_windows.cpp):
// HostProcess, a process-isolated container on the node's kernel, a Hyper-V isolated one on its
// utility VM's kernel, or the node itself (../shared/spec/PROBES.md, host.* and isolation).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "platform/platform.hpp"
#include "platform/result.hpp"
#include "probes/isolation/assess.hpp"

namespace capprobe::probes {

struct WindowsIsolationFacts {
  CpuidHypervisor cpuid;

  // --- HostProcess ---
  // CONTAINER_SANDBOX_MOUNT_POINT: set by the runtime in every HostProcess container (its
  // volume, "C:\hpc\" with the bind filter, "C:\C\<id>\" before).
  std::optional<std::string> sandbox_mount_point;

  // --- the process snapshot (Toolhelp32) ---
  std::optional<platform::OsError> processes_error;
  int processes_seen = 0;
  std::vector<std::string> node_agents;  // the node's own agents seen, as named in the snapshot
  bool container_exec_service = false;   // CExecSvc.exe, HCS's agent in every Windows container
  // The earliest start among the processes of this view (not the kernel's System and Idle),
  // and our own, in ms after boot; nullopt when no creation time was readable.
  std::optional<std::uint64_t> view_started_after_boot_ms;
  std::optional<std::uint64_t> self_started_after_boot_ms;

  // --- the token ---
  std::optional<std::string> user_sid;  // "S-1-5-93-2-1" (ContainerAdministrator)
  std::optional<std::string> user_name;
  std::optional<platform::OsError> token_error;

  // --- the kernel's age and the machine's size ---
  std::uint64_t uptime_ms = 0;                  // GetTickCount64
  std::optional<std::uint64_t> total_physical;  // GlobalMemoryStatusEx
  std::optional<platform::OsError> memory_error;
  std::optional<std::uint64_t> job_memory_limit;  // the job's or, else, the process's limit
  std::optional<std::uint32_t> processors;        // active processors, all groups
  std::optional<std::uint32_t> rsmb_size;         // GetSystemFirmwareTable('RSMB') size
  std::optional<platform::OsError> rsmb_error;
  std::optional<std::uint32_t> kernel_build;  // RtlGetVersion
};

// Reads every fact; each failure is recorded, none throws.
WindowsIsolationFacts collect_windows_isolation_facts(const platform::Platform& os);

// The verdict: observed host or shared_kernel (process isolation, HostProcess) or vm_guest
// (flavor hyperv), with the environment word, hypervisor, signals, confidence and evidence.
IsolationAssessment judge_windows_isolation(const WindowsIsolationFacts& facts);

// The images only the node runs (kubelet.exe, containerd.exe...): seeing one means seeing the
// node's processes. Compared case-insensitively, as Windows names files.
bool is_windows_node_agent(std::string_view image);

// Token users of the HostProcess accounts (SYSTEM, LocalService, NetworkService) and of the
// container-only virtual accounts (ContainerAdministrator, ContainerUser).
bool is_service_account_sid(std::string_view sid);
bool is_container_account_sid(std::string_view sid);

// Thresholds of the judge, named for the tests.
// A utility VM boots for its container: the container's first process starts seconds after the
// kernel. A node's kernel boots, starts its services, the kubelet, the pod network (HNS) and
// pulls images before any container starts: well over a minute.
inline constexpr std::uint64_t kWindowsFreshKernelMs = 60'000;
// hcsshim sizes a utility VM at 1024 MB unless the pod's memory limit or an annotation says
// otherwise; a Windows node runs with several GB.
inline constexpr std::uint64_t kUtilityVmDefaultMaxBytes = 2ull << 30;
inline constexpr std::uint64_t kUtilityVmLimitSlackBytes = 512ull << 20;

}  // namespace capprobe::probes
