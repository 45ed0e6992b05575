// Listing the named-pipe namespace, which fs.pipe_mount on Windows will enumerate: Windows lists
// \\.\pipe\ like a directory; Wine 8 does not.
#include <catch2/catch.hpp>

#include "platform/windows/windows_platform.hpp"
#include "tests/windows/windows_test_support.hpp"

using namespace capprobe::platform;
using capprobe::testing::wine_version;

// Test names without backslashes: Catch reads one in a name filter as an escape.
TEST_CASE(
    "list_through the pipe namespace under Wine: FindFirstFileW fails with ERROR_BAD_DEV_TYPE") {
  if (!wine_version())
    return capprobe::testing::report_skip("a Wine behaviour; Windows lists pipes");
  const auto pipes = WindowsPlatform().list_through("\\\\.\\pipe\\");
  REQUIRE_FALSE(pipes.ok());
  CHECK(pipes.error().code == 66);
  CHECK(pipes.error().name == "ERROR_BAD_DEV_TYPE");
}

TEST_CASE("list_through the pipe namespace on Windows: the named pipes, never empty") {
  if (const auto wine = wine_version()) {
    return capprobe::testing::report_skip("Wine " + *wine +
                                          " cannot list \\\\.\\pipe\\ (ERROR_BAD_DEV_TYPE)");
  }
  const auto pipes = WindowsPlatform().list_through("\\\\.\\pipe\\");
  REQUIRE(pipes.ok());
  CHECK_FALSE(pipes.value().empty());  // lsass, ntsvcs... exist on every running Windows
}
