// Win32 error codes become names that probes and evidence can rely on; unknown codes still read
// as Win32 errors; unimplemented calls say so by name.
#include <windows.h>

#include <catch2/catch.hpp>

#include "platform/windows/win32_errors.hpp"

using namespace capprobe::platform;

TEST_CASE("win32 error names: the codes probes meet have their SDK names") {
  CHECK(win32::error_name(ERROR_FILE_NOT_FOUND) == "ERROR_FILE_NOT_FOUND");
  CHECK(win32::error_name(3) == "ERROR_PATH_NOT_FOUND");
  CHECK(win32::error_name(5) == "ERROR_ACCESS_DENIED");
  CHECK(win32::error_name(50) == "ERROR_NOT_SUPPORTED");
  CHECK(win32::error_name(66) == "ERROR_BAD_DEV_TYPE");
  CHECK(win32::error_name(80) == "ERROR_FILE_EXISTS");
  CHECK(win32::error_name(87) == "ERROR_INVALID_PARAMETER");
  CHECK(win32::error_name(120) == "ERROR_CALL_NOT_IMPLEMENTED");
  CHECK(win32::error_name(183) == "ERROR_ALREADY_EXISTS");
  CHECK(win32::error_name(231) == "ERROR_PIPE_BUSY");
  CHECK(win32::error_name(1314) == "ERROR_PRIVILEGE_NOT_HELD");
  CHECK(win32::error_name(4390) == "ERROR_NOT_A_REPARSE_POINT");
}

TEST_CASE("win32 error names: a code without a name reads ERROR_ and its number") {
  CHECK(win32::error_name(54321) == "ERROR_54321");
}

TEST_CASE("win32 last_error: the code, its name and what was attempted") {
  ::SetLastError(ERROR_SHARING_VIOLATION);
  const auto error = win32::last_error("CreateFileW", "C:\\x");
  CHECK(error.code == ERROR_SHARING_VIOLATION);
  CHECK(error.name == "ERROR_SHARING_VIOLATION");
  CHECK(error.describe() == "CreateFileW C:\\x: ERROR_SHARING_VIOLATION");
}

TEST_CASE("win32 not_implemented: ERROR_CALL_NOT_IMPLEMENTED that names the call") {
  const auto error = win32::not_implemented("read_file", "/proc/self/status");
  CHECK(error.code == 120);
  CHECK(error.is("ERROR_CALL_NOT_IMPLEMENTED"));
  CHECK(error.context == "read_file /proc/self/status: not implemented on Windows yet");
}
