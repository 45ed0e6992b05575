// The named-pipe facts fs.pipe_mount rests on: listing \\.\pipe\ (Windows lists it like a
// directory; Wine 8 does not), and connect_pipe on a pipe this test serves, on a pipe whose every
// instance is busy, and on a name no pipe has. Connecting works under Wine as on Windows.
#include <windows.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <string>

#include "platform/windows/windows_platform.hpp"
#include "tests/windows/windows_test_support.hpp"

using namespace capprobe::platform;
using capprobe::testing::report_skip;
using capprobe::testing::wine_version;

namespace {

// One instance of a pipe of this test's own, listening until the test ends.
class ServedPipe {
 public:
  explicit ServedPipe(const std::string& purpose)
      : name_("capprobe-test-" + std::to_string(::GetCurrentProcessId()) + "-" + purpose) {
    const std::wstring path = L"\\\\.\\pipe\\" + std::wstring(name_.begin(), name_.end());
    handle_ = ::CreateNamedPipeW(path.c_str(), PIPE_ACCESS_DUPLEX | FILE_FLAG_FIRST_PIPE_INSTANCE,
                                 PIPE_TYPE_BYTE | PIPE_READMODE_BYTE | PIPE_WAIT, 1, 4096, 4096, 0,
                                 nullptr);
    REQUIRE(handle_ != INVALID_HANDLE_VALUE);
  }
  ~ServedPipe() { ::CloseHandle(handle_); }
  ServedPipe(const ServedPipe&) = delete;
  ServedPipe& operator=(const ServedPipe&) = delete;

  const std::string& name() const { return name_; }
  std::wstring path() const { return L"\\\\.\\pipe\\" + std::wstring(name_.begin(), name_.end()); }
  HANDLE handle() const { return handle_; }

 private:
  std::string name_;
  HANDLE handle_ = INVALID_HANDLE_VALUE;
};

}  // namespace

// Test names without backslashes: Catch reads one in a name filter as an escape.
TEST_CASE("pipe_names under Wine: FindFirstFileW fails with ERROR_BAD_DEV_TYPE (66)") {
  if (!wine_version()) return report_skip("a Wine behaviour; Windows lists pipes");
  ServedPipe pipe("listed");
  const auto names = WindowsPlatform().pipe_names();
  REQUIRE_FALSE(names.ok());
  CHECK(names.error().code == 66);
  CHECK(names.error().name == "ERROR_BAD_DEV_TYPE");
  // Which is why fs.pipe_mount also tries names directly: connecting finds the pipe.
  CHECK(WindowsPlatform().connect_pipe(pipe.name()).ok());
}

TEST_CASE("pipe_names on Windows: the pipe this test serves is listed by its name") {
  if (const auto wine = wine_version()) {
    return report_skip("Wine " + *wine + " cannot list the pipe namespace (ERROR_BAD_DEV_TYPE)");
  }
  ServedPipe pipe("listed");
  const auto names = WindowsPlatform().pipe_names();
  REQUIRE(names.ok());
  CHECK(std::count(names.value().begin(), names.value().end(), pipe.name()) == 1);
}

TEST_CASE("list_through the pipe namespace under Wine: FindFirstFileW fails with error 66") {
  if (!wine_version()) return report_skip("a Wine behaviour; Windows lists pipes");
  const auto pipes = WindowsPlatform().list_through("\\\\.\\pipe\\");
  REQUIRE_FALSE(pipes.ok());
  CHECK(pipes.error().code == 66);
  CHECK(pipes.error().name == "ERROR_BAD_DEV_TYPE");
}

TEST_CASE("list_through the pipe namespace on Windows: the named pipes, never empty") {
  if (const auto wine = wine_version()) {
    return report_skip("Wine " + *wine + " cannot list the pipe namespace (ERROR_BAD_DEV_TYPE)");
  }
  const auto pipes = WindowsPlatform().list_through("\\\\.\\pipe\\");
  REQUIRE(pipes.ok());
  CHECK_FALSE(pipes.value().empty());  // lsass, ntsvcs... exist on every running Windows
}

TEST_CASE("connect_pipe: a pipe this test serves connects, and nothing is sent to it") {
  ServedPipe pipe("served");
  REQUIRE(WindowsPlatform().connect_pipe(pipe.name()).ok());
  // The client came and went: the instance reports a closed client (ERROR_NO_DATA), having been
  // sent nothing.
  CHECK_FALSE(::ConnectNamedPipe(pipe.handle(), nullptr));
  CHECK(::GetLastError() == ERROR_NO_DATA);
  DWORD available = 1;
  if (::PeekNamedPipe(pipe.handle(), nullptr, 0, nullptr, &available, nullptr)) {
    CHECK(available == 0);
  }
  DWORD got = 0;
  char byte = 0;
  CHECK_FALSE(::ReadFile(pipe.handle(), &byte, 1, &got, nullptr));
  CHECK(got == 0);
}

TEST_CASE("connect_pipe: a pipe whose every instance is busy is ERROR_PIPE_BUSY, at once") {
  ServedPipe pipe("busy");
  // The only instance taken by a client of our own.
  const HANDLE client = ::CreateFileW(pipe.path().c_str(), GENERIC_READ | GENERIC_WRITE, 0, nullptr,
                                      OPEN_EXISTING, 0, nullptr);
  REQUIRE(client != INVALID_HANDLE_VALUE);
  const auto busy = WindowsPlatform().connect_pipe(pipe.name());
  ::CloseHandle(client);
  REQUIRE_FALSE(busy.ok());
  CHECK(busy.error().name == "ERROR_PIPE_BUSY");
  CHECK(busy.error().kind == ErrorKind::other);  // there, but not taking this client: "refused"
}

TEST_CASE("connect_pipe: a name no pipe has is ERROR_FILE_NOT_FOUND (absent)") {
  WindowsPlatform os;
  const auto absent =
      os.connect_pipe("capprobe-test-no-such-pipe-" + std::to_string(::GetCurrentProcessId()));
  REQUIRE_FALSE(absent.ok());
  CHECK(absent.error().name == "ERROR_FILE_NOT_FOUND");
  CHECK(absent.error().is_absent());
  CHECK(os.connect_pipe("").error().name == "ERROR_INVALID_NAME");
}
