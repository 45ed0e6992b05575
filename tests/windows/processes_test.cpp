// The Toolhelp process list: this test's own process with its image and a plausible start, and
// a child it starts showing with this process as its parent.
#include <windows.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cctype>
#include <string>

#include "platform/windows/windows_platform.hpp"

using namespace capprobe::platform;

namespace {

std::string lowercase(std::string text) {
  for (auto& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

const ProcessEntry* find_pid(const std::vector<ProcessEntry>& entries, DWORD pid) {
  const auto found = std::find_if(entries.begin(), entries.end(),
                                  [&](const ProcessEntry& entry) { return entry.pid == pid; });
  return found == entries.end() ? nullptr : &*found;
}

}  // namespace

TEST_CASE("processes: this process, its image, and its start a moment before now") {
  WindowsPlatform os;
  const auto processes = os.processes();
  REQUIRE(processes.ok());
  const auto* self = find_pid(processes.value(), ::GetCurrentProcessId());
  REQUIRE(self != nullptr);
  CHECK(lowercase(self->image) == "unit_platform_windows.exe");
  // Started after the boot, before now, and not long ago: the test runs for seconds.
  REQUIRE(self->created_after_boot_ms.has_value());
  const auto uptime = os.uptime_ms();
  CHECK(*self->created_after_boot_ms <= uptime + 100);  // both clocks have a tick's jitter
  CHECK(uptime - std::min(uptime, *self->created_after_boot_ms) < 300'000);
}

TEST_CASE("processes: a child this process starts is listed with this process as its parent") {
  wchar_t command[] = L"cmd.exe /c exit 0";
  STARTUPINFOW startup{};
  startup.cb = sizeof startup;
  PROCESS_INFORMATION child{};
  // Suspended: it is certainly there while the snapshot is taken.
  REQUIRE(::CreateProcessW(nullptr, command, nullptr, nullptr, FALSE,
                           CREATE_SUSPENDED | CREATE_NO_WINDOW, nullptr, nullptr, &startup,
                           &child));
  const auto processes = WindowsPlatform().processes();
  ::TerminateProcess(child.hProcess, 0);
  ::WaitForSingleObject(child.hProcess, 30000);
  ::CloseHandle(child.hThread);
  ::CloseHandle(child.hProcess);
  REQUIRE(processes.ok());
  const auto* listed = find_pid(processes.value(), child.dwProcessId);
  REQUIRE(listed != nullptr);
  CHECK(listed->parent_pid == ::GetCurrentProcessId());
  CHECK(lowercase(listed->image) == "cmd.exe");
}
