// processes: a Toolhelp32 snapshot of the processes this process can see (a container's silo
// shows its own; HostProcess and the node show the node's), each with when it started after the
// boot when it can be opened.
#include <windows.h>
// After windows.h, which it needs.
#include <tlhelp32.h>

#include <cstdint>
#include <optional>

#include "platform/windows/handles.hpp"
#include "platform/windows/utf16.hpp"
#include "platform/windows/win32_errors.hpp"
#include "platform/windows/windows_platform.hpp"

namespace capprobe::platform {

using win32::last_error;

namespace {

std::uint64_t ticks_of(const FILETIME& time) {
  return (static_cast<std::uint64_t>(time.dwHighDateTime) << 32) | time.dwLowDateTime;
}

// The boot as a FILETIME (100 ns since 1601): now minus the milliseconds since the boot. Both
// are read together; the system clock may have been set since the boot, which moves every
// creation time alike and so keeps their order (the earliest process stays the earliest).
std::uint64_t boot_ticks() {
  FILETIME now{};
  ::GetSystemTimeAsFileTime(&now);
  return ticks_of(now) - ::GetTickCount64() * 10'000;
}

// GetProcessTimes' creation time minus the boot; nullopt when the process cannot be opened
// (another user's, or protected) or has no creation time (System Idle, whose time is 0).
std::optional<std::uint64_t> created_after_boot_ms(DWORD pid, std::uint64_t boot) {
  if (pid == 0) return std::nullopt;
  const win32::UniqueHandle process(::OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, pid));
  if (!process.valid()) return std::nullopt;
  FILETIME created{};
  FILETIME exited{};
  FILETIME kernel{};
  FILETIME user{};
  if (!::GetProcessTimes(process.get(), &created, &exited, &kernel, &user)) return std::nullopt;
  const auto ticks = ticks_of(created);
  if (ticks == 0) return std::nullopt;
  // The System process starts a moment before the tick count does: no earlier than the boot.
  return ticks > boot ? (ticks - boot) / 10'000 : 0;
}

}  // namespace

Result<std::vector<ProcessEntry>> WindowsPlatform::processes() const {
  const win32::UniqueHandle snapshot(::CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS, 0));
  if (!snapshot.valid()) return last_error("CreateToolhelp32Snapshot TH32CS_SNAPPROCESS");
  const auto boot = boot_ticks();
  PROCESSENTRY32W entry{};
  entry.dwSize = sizeof entry;
  std::vector<ProcessEntry> entries;
  if (!::Process32FirstW(snapshot.get(), &entry)) {
    if (::GetLastError() == ERROR_NO_MORE_FILES) return entries;
    return last_error("Process32FirstW");
  }
  do {
    ProcessEntry out;
    out.pid = entry.th32ProcessID;
    out.parent_pid = entry.th32ParentProcessID;
    out.image = win32::to_utf8(entry.szExeFile);
    out.created_after_boot_ms = created_after_boot_ms(entry.th32ProcessID, boot);
    entries.push_back(std::move(out));
  } while (::Process32NextW(snapshot.get(), &entry));
  if (::GetLastError() != ERROR_NO_MORE_FILES) return last_error("Process32NextW");
  return entries;
}

}  // namespace capprobe::platform
