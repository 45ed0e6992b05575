// WindowsPlatform's process, kernel and CPU facts against the running system.
#include <windows.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "platform/make_platform.hpp"
#include "platform/windows/windows_platform.hpp"
#include "tests/windows/windows_test_support.hpp"

using namespace capprobe::platform;
using namespace std::chrono_literals;

TEST_CASE("make_native_platform: a WindowsPlatform with the root it was given") {
  const auto native = make_native_platform("/");
  const auto* windows = dynamic_cast<const WindowsPlatform*>(native.get());
  REQUIRE(windows != nullptr);
  CHECK(windows->system_root() == "/");
}

TEST_CASE("as_windows: the platform answers the Windows facts itself") {
  WindowsPlatform os;
  CHECK(os.as_windows() == &os);
  CHECK(&windows_facts(os) == &os);
  CHECK(os.as_linux() == nullptr);
}

TEST_CASE("env: a set value, an empty value and an unset name are three answers") {
  WindowsPlatform os;
  REQUIRE(::SetEnvironmentVariableW(L"CAPPROBE_TEST_VALUE", L"gr\u00FC\u00DFe"));
  REQUIRE(::SetEnvironmentVariableW(L"CAPPROBE_TEST_EMPTY", L""));
  REQUIRE(::SetEnvironmentVariableW(L"CAPPROBE_TEST_UNSET", nullptr));
  CHECK(os.env("CAPPROBE_TEST_VALUE") == std::optional<std::string>("gr\xC3\xBC\xC3\x9F"
                                                                    "e"));
  CHECK(os.env("CAPPROBE_TEST_EMPTY") == std::optional<std::string>(""));
  CHECK(os.env("CAPPROBE_TEST_UNSET") == std::nullopt);
}

TEST_CASE("env: a value longer than the first buffer comes back whole") {
  WindowsPlatform os;
  const std::wstring long_value(5000, L'v');
  REQUIRE(::SetEnvironmentVariableW(L"CAPPROBE_TEST_LONG", long_value.c_str()));
  CHECK(os.env("CAPPROBE_TEST_LONG") == std::optional<std::string>(std::string(5000, 'v')));
}

TEST_CASE("self_pid and process_alive: this process is alive, pid 0 and -1 are not") {
  WindowsPlatform os;
  CHECK(os.self_pid() == static_cast<int>(::GetCurrentProcessId()));
  CHECK(os.process_alive(os.self_pid()));
  CHECK_FALSE(os.process_alive(0));
  CHECK_FALSE(os.process_alive(-1));
}

TEST_CASE("process_alive: a child is alive while it runs and not after it exited") {
  WindowsPlatform os;
  // Suspended at start: alive for certain until we let it run and it exits.
  wchar_t command[] = L"cmd.exe /c exit 0";
  STARTUPINFOW startup{};
  startup.cb = sizeof startup;
  PROCESS_INFORMATION child{};
  REQUIRE(::CreateProcessW(nullptr, command, nullptr, nullptr, FALSE,
                           CREATE_SUSPENDED | CREATE_NO_WINDOW, nullptr, nullptr, &startup,
                           &child));
  const int pid = static_cast<int>(child.dwProcessId);
  CHECK(os.process_alive(pid));
  ::ResumeThread(child.hThread);
  CHECK(::WaitForSingleObject(child.hProcess, 30000) == WAIT_OBJECT_0);
  // Still a process object while we hold its handle, but an exited one.
  CHECK_FALSE(os.process_alive(pid));
  ::CloseHandle(child.hThread);
  ::CloseHandle(child.hProcess);
}

TEST_CASE("monotonic_now: moves forward with the time slept") {
  WindowsPlatform os;
  const auto before = os.monotonic_now();
  std::this_thread::sleep_for(50ms);
  const auto elapsed = os.monotonic_now() - before;
  CHECK(elapsed >= 40ms);   // Sleep may wake a little early by the timer's tick
  CHECK(elapsed < 5000ms);  // and late when the machine is busy, but not by seconds
}

TEST_CASE("wall_now: the system clock, near time()") {
  WindowsPlatform os;
  const auto now = std::chrono::system_clock::to_time_t(os.wall_now());
  CHECK(std::abs(now - std::time(nullptr)) <= 2);
}

TEST_CASE("kernel_info: Windows_NT, a dotted version with a build, this machine's architecture") {
  WindowsPlatform os;
  const auto kernel = os.kernel_info();
  REQUIRE(kernel.ok());
  CHECK(kernel.value().sysname == "Windows_NT");
  CHECK_FALSE(kernel.value().nodename.empty());
  CHECK(kernel.value().machine == "x86_64");  // this test executable is x86_64, and so its host
  const auto& release = kernel.value().release;
  const auto first_dot = release.find('.');
  const auto second_dot = release.find('.', first_dot + 1);
  REQUIRE(first_dot != std::string::npos);
  REQUIRE(second_dot != std::string::npos);
  CHECK(std::stoul(release.substr(second_dot + 1)) > 0);
}

TEST_CASE("allowed_cpus: every CPU this process may use, within the machine's") {
  WindowsPlatform os;
  const auto cpus = os.allowed_cpus();
  REQUIRE(cpus.ok());
  REQUIRE_FALSE(cpus.value().empty());
  const auto machine = static_cast<int>(::GetActiveProcessorCount(ALL_PROCESSOR_GROUPS));
  CHECK(static_cast<int>(cpus.value().size()) <= machine);
  CHECK(std::is_sorted(cpus.value().begin(), cpus.value().end()));
  // One processor group (every machine up to 64 CPUs): the affinity mask is the answer. Wine 8
  // has only this path: its GetProcessGroupAffinity is a stub (ERROR_CALL_NOT_IMPLEMENTED).
  if (::GetActiveProcessorGroupCount() == 1) {
    DWORD_PTR process_mask = 0;
    DWORD_PTR system_mask = 0;
    REQUIRE(::GetProcessAffinityMask(::GetCurrentProcess(), &process_mask, &system_mask));
    std::vector<int> expected;
    for (int bit = 0; bit < 64; ++bit) {
      if ((process_mask >> bit) & 1u) expected.push_back(bit);
    }
    CHECK(cpus.value() == expected);
  }
}

TEST_CASE("allowed_cpus: follows a narrowed affinity mask") {
  WindowsPlatform os;
  if (::GetActiveProcessorGroupCount() != 1) {
    return capprobe::testing::report_skip("several processor groups: the mask is per group");
  }
  DWORD_PTR process_mask = 0;
  DWORD_PTR system_mask = 0;
  REQUIRE(::GetProcessAffinityMask(::GetCurrentProcess(), &process_mask, &system_mask));
  DWORD_PTR lowest = process_mask & (~process_mask + 1);
  REQUIRE(::SetProcessAffinityMask(::GetCurrentProcess(), lowest));
  const auto cpus = os.allowed_cpus();
  ::SetProcessAffinityMask(::GetCurrentProcess(), process_mask);
  REQUIRE(cpus.ok());
  REQUIRE(cpus.value().size() == 1);
  CHECK((DWORD_PTR{1} << cpus.value()[0]) == lowest);
}
