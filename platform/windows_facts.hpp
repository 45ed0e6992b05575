// The Windows system facts probes read (../shared/spec/PROBES.md, the Windows lines): the
// version, the registry, the job object the process runs in, its token, processes, named pipes,
// memory, NUMA and the firmware tables. Only the probes' *_windows.cpp collectors use it; what
// both OSes share is platform::Platform. Every call answers with the facts or the Win32 error
// (its kind set), never a guess: the structs hold what the API returned, in its own units.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "platform/platform.hpp"
#include "platform/result.hpp"

namespace capprobe::platform {

// RtlGetVersion: the kernel's own version (GetVersionEx lies to unmanifested programs).
struct WindowsVersion {
  std::uint32_t major = 0;
  std::uint32_t minor = 0;
  std::uint32_t build = 0;
  std::uint16_t product_type =
      0;  // VER_NT_WORKSTATION 1, VER_NT_DOMAIN_CONTROLLER 2, VER_NT_SERVER 3
};

// HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion: the image's build, which differs from the
// kernel's under process isolation on a newer host (a 2019 image on a 2022 node).
struct WindowsImageVersion {
  std::optional<std::string> current_build_number;  // CurrentBuildNumber, e.g. "17763"
  std::optional<std::uint32_t> ubr;                 // UBR, the update build revision
  std::optional<std::string> product_name;          // ProductName
  std::optional<std::string> display_version;       // DisplayVersion ("21H2") or ReleaseId
  std::optional<std::string> installation_type;     // "Server", "Server Core", "Nano Server"
};

// QueryInformationJobObject(NULL, ...): the job this process is in (NULL = the innermost).
struct JobCpuRate {
  std::uint32_t control_flags = 0;  // JOB_OBJECT_CPU_RATE_CONTROL_* bits as returned
  bool enabled = false;             // ..._ENABLE
  bool weight_based = false;        // ..._WEIGHT_BASED: Weight is set, not CpuRate
  bool hard_cap = false;            // ..._HARD_CAP
  bool min_max = false;             // ..._MIN_MAX_RATE: MinRate/MaxRate
  std::uint32_t cpu_rate = 0;       // 1/10,000 of ALL processors (HARD_CAP or plain rate)
  std::uint32_t weight = 0;         // 1..9 when weight based
  std::uint16_t min_rate = 0, max_rate = 0;
};

struct JobMemoryLimits {
  std::uint32_t limit_flags = 0;                  // JOB_OBJECT_LIMIT_* bits as returned
  std::optional<std::uint64_t> job_memory_limit;  // JobMemoryLimit (commit), when the flag is set
  std::optional<std::uint64_t> process_memory_limit;  // ProcessMemoryLimit (commit), likewise
  std::uint64_t peak_job_memory_used = 0;
  std::uint64_t peak_process_memory_used = 0;
  // JobObjectMemoryUsageInformation JobMemory: what the job has committed now (all its
  // processes), the room left under JobMemoryLimit; nullopt when that query failed.
  std::optional<std::uint64_t> job_memory_used;
};

struct JobFacts {
  bool in_job = false;                                 // IsProcessInJob(GetCurrentProcess(), NULL)
  Result<JobCpuRate> cpu_rate = JobCpuRate{};          // JobObjectCpuRateControlInformation
  Result<JobMemoryLimits> memory = JobMemoryLimits{};  // JobObjectExtendedLimitInformation
};

struct TokenPrivilege {
  std::string name;  // "SeCreateSymbolicLinkPrivilege"
  bool enabled = false;
};

// GetTokenInformation on the process token, and LookupAccountSidW for the names.
struct TokenFacts {
  std::string user_sid;  // "S-1-5-93-2-1" (ContainerAdministrator), "S-1-5-18" (SYSTEM)
  std::optional<std::string> user_name;  // "ContainerAdministrator", "SYSTEM"
  std::optional<std::string> domain;     // "User Manager", "NT AUTHORITY"
  std::vector<std::string> group_sids;
  std::vector<TokenPrivilege> privileges;
  std::optional<std::string> integrity_level;  // "S-1-16-12288" (High), "S-1-16-16384" (System)
  std::optional<bool> elevated;                // TokenElevation
};

// A Toolhelp32 snapshot entry.
struct ProcessEntry {
  std::uint32_t pid = 0;
  std::uint32_t parent_pid = 0;
  std::string image;  // "kubelet.exe"
  // When the process started, in milliseconds after the boot of the kernel it runs on: its
  // GetProcessTimes creation time minus the boot time (the current time minus GetTickCount64).
  // nullopt when the process could not be opened (PROCESS_QUERY_LIMITED_INFORMATION denied) or
  // has no creation time (System, Idle). The earliest process of a container is its start: a
  // Hyper-V utility VM boots for its container, a node's kernel long before.
  std::optional<std::uint64_t> created_after_boot_ms;
};

// GlobalMemoryStatusEx.
struct MemoryStatus {
  std::uint64_t total_physical = 0;
  std::uint64_t available_physical = 0;
  std::uint64_t total_commit = 0;  // ullTotalPageFile: the commit limit
  std::uint64_t available_commit = 0;
};

// NUMA and processor groups: GetNumaHighestNodeNumber, GetActiveProcessorGroupCount,
// GetActiveProcessorCount(ALL_PROCESSOR_GROUPS),
// GetLogicalProcessorInformationEx(RelationNumaNodeEx).
struct NumaNodeFacts {
  std::uint32_t node = 0;
  // (group, mask) pairs: a node may span groups (GroupMasks from 20H2 on; plain RelationNumaNode
  // gives only the primary group since Server 2022).
  std::vector<std::pair<std::uint16_t, std::uint64_t>> group_masks;
  std::optional<std::uint64_t> available_memory;  // GetNumaAvailableMemoryNodeEx
};

struct NumaFacts {
  std::uint32_t highest_node = 0;
  std::uint16_t group_count = 0;
  std::uint32_t active_processors = 0;  // across all groups
  std::vector<NumaNodeFacts> nodes;
};

// LookupAccountSidW: the account a SID names.
struct AccountName {
  std::string name;    // "hpc-localgroup", "SYSTEM", "ContainerAdministrator"
  std::string domain;  // "NT AUTHORITY", "BUILTIN", "User Manager", the machine's name
};

// GetSystemTimes: time since boot summed over every processor of this system (the host's under
// process isolation, the utility VM's under Hyper-V), in 100 ns units. Kernel time includes idle
// time, so busy = kernel + user - idle.
struct SystemTimes {
  std::uint64_t idle = 0;
  std::uint64_t kernel = 0;
  std::uint64_t user = 0;
};

// One CreateSymbolicLinkW call: its flags as booleans, the target stored as given (absolute, or
// relative to the link's directory).
struct SymbolicLinkRequest {
  std::string target;
  std::string link_path;
  bool directory = false;           // SYMBOLIC_LINK_FLAG_DIRECTORY (0x1)
  bool allow_unprivileged = false;  // SYMBOLIC_LINK_FLAG_ALLOW_UNPRIVILEGED_CREATE (0x2)
};

class WindowsFacts {
 public:
  virtual ~WindowsFacts() = default;

  virtual Result<WindowsVersion> kernel_version() const = 0;
  virtual Result<WindowsImageVersion> image_version() const = 0;
  // A REG_SZ / REG_DWORD value under HKEY_LOCAL_MACHINE (`key` like
  // "SYSTEM\\CurrentControlSet\\...").
  virtual Result<std::string> registry_string(const std::string& key,
                                              const std::string& value) const = 0;
  virtual Result<std::uint32_t> registry_dword(const std::string& key,
                                               const std::string& value) const = 0;
  virtual Result<JobFacts> job() const = 0;
  virtual Result<TokenFacts> token() const = 0;
  virtual Result<std::vector<ProcessEntry>> processes() const = 0;  // Toolhelp32
  // Names under \\.\pipe\ (FindFirstFileW): fails on Wine (error 66) and in some sandboxes, so
  // callers also try the well-known names with connect_pipe.
  virtual Result<std::vector<std::string>> pipe_names() const = 0;
  // CreateFileW(OPEN_EXISTING) on \\.\pipe\<name>, then close: connect only, nothing sent.
  // ERROR_PIPE_BUSY (all instances busy) and ERROR_ACCESS_DENIED come back as the error.
  virtual Result<Done> connect_pipe(const std::string& name) const = 0;
  virtual Result<MemoryStatus> memory() const = 0;
  virtual std::uint64_t uptime_ms() const = 0;  // GetTickCount64
  virtual Result<NumaFacts> numa() const = 0;
  // GetSystemFirmwareTable: the size of the table of `provider` ("RSMB" for SMBIOS); absent in
  // many Hyper-V utility VMs.
  virtual Result<std::uint32_t> firmware_table_size(const std::string& provider) const = 0;
  // GetCurrentThreadCompartmentId (not exported by Wine: loaded with GetProcAddress).
  virtual Result<std::uint32_t> network_compartment() const = 0;
  // LookupAccountSidW on any SID (a token group's, for one): the account's name and domain;
  // ERROR_NONE_MAPPED when the SID names no account. May ask a domain controller for a domain
  // SID, so callers look up only the few SIDs they need.
  virtual Result<AccountName> account_name(const std::string& sid) const = 0;
  virtual Result<SystemTimes> system_times() const = 0;  // GetSystemTimes
  // CreateSymbolicLinkW(link_path, target, flags), and what it answered, nothing more: Wine
  // answers TRUE and creates nothing, so callers verify. ERROR_PRIVILEGE_NOT_HELD (1314): the
  // token lacks SeCreateSymbolicLinkPrivilege; ERROR_INVALID_PARAMETER with allow_unprivileged: a
  // build before 14972, which does not know the flag. Const like connect_pipe: an action on the
  // exercise paths, not on the facts.
  virtual Result<Done> create_symbolic_link(const SymbolicLinkRequest& request) const = 0;
  // A directory junction (IO_REPARSE_TAG_MOUNT_POINT) at `link_path` leading to the absolute
  // directory `target`: CreateDirectoryW, then FSCTL_SET_REPARSE_POINT with a mount-point buffer
  // (what mklink /J does). Needs no privilege, unlike a symbolic link.
  virtual Result<Done> create_junction(const std::string& target,
                                       const std::string& link_path) const = 0;
};

// The Windows facts of `os`; throws std::logic_error when this platform has none.
inline const WindowsFacts& windows_facts(const Platform& os) {
  const auto* facts = os.as_windows();
  if (facts == nullptr) throw std::logic_error("this platform has no Windows facts");
  return *facts;
}

}  // namespace capprobe::platform
