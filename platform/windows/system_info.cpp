// Facts about this process, its kernel and its CPUs: the version the kernel reports, the CPUs
// this process may run on, the environment, process ids and clocks.
#include <windows.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "platform/windows/handles.hpp"
#include "platform/windows/utf16.hpp"
#include "platform/windows/version.hpp"
#include "platform/windows/win32_errors.hpp"
#include "platform/windows/windows_platform.hpp"

namespace capprobe::platform {

using win32::last_error;
using win32::os_error;

namespace {

// uname(2)'s spelling of the architecture, which probes already map to Kubernetes' names.
std::string machine_name(WORD architecture) {
  switch (architecture) {
    case PROCESSOR_ARCHITECTURE_AMD64:
      return "x86_64";
    case PROCESSOR_ARCHITECTURE_ARM64:
      return "aarch64";
    case PROCESSOR_ARCHITECTURE_INTEL:
      return "i686";
    case PROCESSOR_ARCHITECTURE_ARM:
      return "armv7l";
    default:
      return "unknown-" + std::to_string(architecture);
  }
}

std::string product_type_name(BYTE type) {
  switch (type) {
    case VER_NT_WORKSTATION:
      return "workstation";
    case VER_NT_SERVER:
      return "server";
    case VER_NT_DOMAIN_CONTROLLER:
      return "domain_controller";
    default:
      return "product_type_" + std::to_string(type);
  }
}

Result<std::string> computer_name() {
  DWORD size = 0;
  ::GetComputerNameExW(ComputerNameDnsHostname, nullptr, &size);  // asks for the size
  if (size == 0) return last_error("GetComputerNameExW");
  std::wstring name(size, L'\0');
  if (!::GetComputerNameExW(ComputerNameDnsHostname, name.data(), &size)) {
    return last_error("GetComputerNameExW");
  }
  name.resize(size);
  return win32::to_utf8(name);
}

// CPUs are numbered group x 64 + number: a processor group holds at most 64 CPUs (a KAFFINITY's
// bits), so the number tells the group and the bit back (cpu_burn.cpp pins by it), and it is
// how topology.numa numbers the nodes' CPUs. With one group (every machine up to 64 CPUs) this
// is the plain CPU number.
constexpr int kGroupWidth = 64;

Result<KAFFINITY> active_mask(WORD group) {
  DWORD size = 0;
  ::GetLogicalProcessorInformationEx(RelationGroup, nullptr, &size);
  if (::GetLastError() != ERROR_INSUFFICIENT_BUFFER) {
    return last_error("GetLogicalProcessorInformationEx RelationGroup");
  }
  std::vector<std::uint8_t> buffer(size);
  auto* info = reinterpret_cast<SYSTEM_LOGICAL_PROCESSOR_INFORMATION_EX*>(buffer.data());
  if (!::GetLogicalProcessorInformationEx(RelationGroup, info, &size)) {
    return last_error("GetLogicalProcessorInformationEx RelationGroup");
  }
  if (group >= info->Group.ActiveGroupCount) {
    return os_error(ERROR_INVALID_PARAMETER, "no active processor group " + std::to_string(group));
  }
  return info->Group.GroupInfo[group].ActiveProcessorMask;
}

void append_cpus(KAFFINITY mask, int offset, std::vector<int>& cpus) {
  for (int bit = 0; bit < static_cast<int>(sizeof(KAFFINITY) * 8); ++bit) {
    if ((mask >> bit) & 1u) cpus.push_back(offset + bit);
  }
}

}  // namespace

Result<KernelInfo> WindowsPlatform::kernel_info() const {
  const auto rtl = win32::rtl_version();
  if (!rtl) return rtl.error();
  const auto& version = rtl.value();
  auto host = computer_name();
  if (!host) return host.error();
  SYSTEM_INFO system{};
  ::GetNativeSystemInfo(&system);

  KernelInfo info;
  info.sysname = "Windows_NT";
  info.nodename = std::move(host).value();
  // "10.0.17763": the build is what tells Windows releases apart (17763 = 1809, 20348 = 2022).
  info.release = std::to_string(version.dwMajorVersion) + "." +
                 std::to_string(version.dwMinorVersion) + "." +
                 std::to_string(version.dwBuildNumber);
  // "server" or "workstation", then the service pack when the kernel names one.
  info.version = product_type_name(version.wProductType);
  if (version.szCSDVersion[0] != L'\0') info.version += ", " + win32::to_utf8(version.szCSDVersion);
  info.machine = machine_name(system.wProcessorArchitecture);
  return info;
}

Result<std::vector<int>> WindowsPlatform::allowed_cpus() const {
  DWORD_PTR process_mask = 0;
  DWORD_PTR system_mask = 0;
  if (!::GetProcessAffinityMask(::GetCurrentProcess(), &process_mask, &system_mask)) {
    return last_error("GetProcessAffinityMask");
  }
  const WORD active_groups = ::GetActiveProcessorGroupCount();
  if (active_groups == 0) return last_error("GetActiveProcessorGroupCount");
  std::vector<int> cpus;
  if (active_groups == 1) {  // one processor group: the mask is the whole answer
    append_cpus(process_mask, 0, cpus);
    return cpus;
  }
  // Several groups: the mask is that of the process's primary group, and both masks are 0 when
  // the process has threads in several groups (Windows 11 and Server 2022 spread a process over
  // all groups), which may then run on every active CPU of those groups.
  USHORT groups[64] = {};
  USHORT group_count = 64;
  if (!::GetProcessGroupAffinity(::GetCurrentProcess(), &group_count, groups)) {
    return last_error("GetProcessGroupAffinity");
  }
  const bool primary_group_only = group_count == 1 && process_mask != 0;
  std::sort(groups, groups + group_count);  // the list comes in no documented order
  for (USHORT i = 0; i < group_count; ++i) {
    const WORD group = groups[i];
    if (group >= active_groups) continue;  // a group that went inactive meanwhile
    if (primary_group_only) {
      append_cpus(process_mask, group * kGroupWidth, cpus);
      continue;
    }
    auto active = active_mask(group);
    if (!active) return active.error();
    append_cpus(active.value(), group * kGroupWidth, cpus);
  }
  return cpus;
}

std::optional<std::string> WindowsPlatform::env(const std::string& name) const {
  auto wide_name = win32::to_utf16(name);
  if (!wide_name || wide_name.value().empty()) return std::nullopt;
  // The W function: the C runtime's getenv answers in the ANSI code page, which cannot spell
  // every value.
  std::wstring value(256, L'\0');
  for (;;) {
    ::SetLastError(ERROR_SUCCESS);
    const DWORD length = ::GetEnvironmentVariableW(wide_name.value().c_str(), value.data(),
                                                   static_cast<DWORD>(value.size()));
    if (length == 0) {
      // 0 is both "not set" and "set to the empty string"; only the former sets an error.
      if (::GetLastError() == ERROR_ENVVAR_NOT_FOUND) return std::nullopt;
      return std::string();
    }
    if (length < value.size()) {
      value.resize(length);
      return win32::to_utf8(value);
    }
    value.resize(length);  // too small: `length` is the size needed, terminator included
  }
}

int WindowsPlatform::self_pid() const {
  return static_cast<int>(::GetCurrentProcessId());
}

bool WindowsPlatform::process_alive(int pid) const {
  if (pid <= 0) return false;  // 0 is the System Idle Process, never a capprobe run
  const win32::UniqueHandle process(
      ::OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, static_cast<DWORD>(pid)));
  if (!process.valid()) {
    // Access denied: the process exists and belongs to someone else, so it is alive. Windows
    // answers ERROR_INVALID_PARAMETER for a pid that names no process.
    return ::GetLastError() == ERROR_ACCESS_DENIED;
  }
  DWORD exit_code = 0;
  if (!::GetExitCodeProcess(process.get(), &exit_code)) return true;  // unknown: assume alive
  // A process that exited with 259 reads as alive too: the sweeper then keeps its residue for a
  // later run, which is the safe side of the mistake.
  return exit_code == STILL_ACTIVE;
}

std::chrono::nanoseconds WindowsPlatform::monotonic_now() const {
  // Neither call fails on Windows XP or later.
  LARGE_INTEGER count{};
  LARGE_INTEGER frequency{};
  ::QueryPerformanceCounter(&count);
  ::QueryPerformanceFrequency(&frequency);
  const auto ticks = static_cast<std::uint64_t>(count.QuadPart);
  const auto per_second = static_cast<std::uint64_t>(frequency.QuadPart);
  // Whole seconds and the rest apart: ticks * 1e9 overflows 64 bits after about 30 minutes of
  // uptime at a 10 MHz counter.
  const std::uint64_t seconds = ticks / per_second;
  const std::uint64_t rest = ticks % per_second;
  return std::chrono::seconds(seconds) +
         std::chrono::nanoseconds(rest * 1'000'000'000ull / per_second);
}

std::chrono::system_clock::time_point WindowsPlatform::wall_now() const {
  return std::chrono::system_clock::now();
}

}  // namespace capprobe::platform
