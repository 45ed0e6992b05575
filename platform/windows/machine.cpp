// memory, uptime_ms, system_times and firmware_table_size: what the machine this process runs
// on has and has done since its boot. Under process isolation that machine is the node; under
// Hyper-V isolation it is the container's utility VM, which is how isolation.kernel tells them
// apart (a VM as small as the pod, booted with it, with no SMBIOS table of its own).
#include <windows.h>

#include <cstdint>
#include <string>

#include "platform/windows/win32_errors.hpp"
#include "platform/windows/windows_platform.hpp"

namespace capprobe::platform {

using win32::last_error;
using win32::os_error;

namespace {

std::uint64_t ticks_of(const FILETIME& time) {
  return (static_cast<std::uint64_t>(time.dwHighDateTime) << 32) | time.dwLowDateTime;
}

}  // namespace

Result<MemoryStatus> WindowsPlatform::memory() const {
  MEMORYSTATUSEX status{};
  status.dwLength = sizeof status;
  if (!::GlobalMemoryStatusEx(&status)) return last_error("GlobalMemoryStatusEx");
  MemoryStatus out;
  out.total_physical = status.ullTotalPhys;
  out.available_physical = status.ullAvailPhys;
  // "PageFile" in the API's names is the commit: physical memory plus the paging files.
  out.total_commit = status.ullTotalPageFile;
  out.available_commit = status.ullAvailPageFile;
  return out;
}

std::uint64_t WindowsPlatform::uptime_ms() const {
  return ::GetTickCount64();  // since the boot, sleep and hibernation included; cannot fail
}

Result<SystemTimes> WindowsPlatform::system_times() const {
  FILETIME idle{};
  FILETIME kernel{};
  FILETIME user{};
  if (!::GetSystemTimes(&idle, &kernel, &user)) return last_error("GetSystemTimes");
  return SystemTimes{ticks_of(idle), ticks_of(kernel), ticks_of(user)};
}

Result<std::uint32_t> WindowsPlatform::firmware_table_size(const std::string& provider) const {
  // The provider is four characters read as one big-endian DWORD, as 'RSMB' is in C.
  if (provider.size() != 4) {
    return os_error(ERROR_INVALID_PARAMETER,
                    "GetSystemFirmwareTable: provider '" + provider + "' is not four characters");
  }
  DWORD signature = 0;
  for (const char c : provider) signature = (signature << 8) | static_cast<unsigned char>(c);
  // With no buffer the call answers the size the table needs; 0 is a failure (no such table).
  const UINT size = ::GetSystemFirmwareTable(signature, 0, nullptr, 0);
  if (size == 0) return last_error("GetSystemFirmwareTable", provider);
  return static_cast<std::uint32_t>(size);
}

}  // namespace capprobe::platform
