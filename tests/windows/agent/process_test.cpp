// The agent's process plumbing on Windows (platform/process/windows, platform/windows
// output_file.cpp), with real processes and files under Wine: a child's input, output and exit
// code, the deadline that ends the child's whole job, the owner-only spool directory, the
// durable replace, and the output-file rules (NUL written through, devices and directories
// refused).
#include <windows.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <sstream>
#include <string>

#include "platform/output_file.hpp"
#include "platform/process/child_process.hpp"
#include "platform/process/durable_file.hpp"
#include "platform/windows/windows_platform.hpp"
#include "tests/windows/windows_test_support.hpp"

using namespace capprobe;
using Millis = std::chrono::milliseconds;

// Options that name only the temp file.
platform::OutputOptions temp(const std::string& name) {
  platform::OutputOptions options;
  options.temp_name = name;
  return options;
}

namespace {

std::string helper() {
  std::string why;
  return *platform::own_executable_dir(why) + "\\capprobe-test-helper.exe";
}

platform::ChildRequest helper_request(std::vector<std::string> args,
                                      Millis deadline = Millis(20000)) {
  platform::ChildRequest request;
  request.program = helper();
  request.argv = {"capprobe-test-helper"};
  request.argv.insert(request.argv.end(), args.begin(), args.end());
  request.deadline = deadline;
  return request;
}

bool process_gone(DWORD pid) {
  const HANDLE process = ::OpenProcess(SYNCHRONIZE, FALSE, pid);
  if (process == nullptr) return true;
  const bool gone = ::WaitForSingleObject(process, 5000) == WAIT_OBJECT_0;
  ::CloseHandle(process);
  return gone;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

}  // namespace

TEST_CASE("run_child: input in, output out, exit code back") {
  auto request = helper_request({"echo", "3"});
  // More than a pipe buffer holds, so that writing and reading must interleave.
  request.input = std::string(300000, 'x');
  const auto outcome = platform::run_child(request);
  INFO(outcome.describe());
  REQUIRE(outcome.failure.empty());
  REQUIRE_FALSE(outcome.timed_out);
  REQUIRE(outcome.exit_code == 3);
  REQUIRE(outcome.output == std::string(300000, 'x'));
  REQUIRE(outcome.describe() == "exit code 3");
}

TEST_CASE("run_child: a child that ignores its input still finishes") {
  auto request = helper_request({"exit", "0"});
  // It never reads: the writes fail (ERROR_NO_DATA), which is no hang and no failure.
  request.input = std::string(1 << 20, 'y');
  const auto outcome = platform::run_child(request);
  INFO(outcome.describe());
  REQUIRE(outcome.exited_ok());
  REQUIRE(outcome.output == "ok\r\n");  // the C runtime's text mode: Windows writes \r\n
}

TEST_CASE("run_child: the deadline ends the child and everything it started (the job)") {
  const auto started = std::chrono::steady_clock::now();
  const auto outcome = platform::run_child(helper_request({"tree"}, Millis(3000)));
  const auto took = std::chrono::steady_clock::now() - started;
  INFO(outcome.describe() << " output=" << outcome.output);
  REQUIRE(outcome.timed_out);
  REQUIRE(outcome.describe() == "killed at its deadline");
  REQUIRE(took < std::chrono::seconds(15));
  const auto grandchild = static_cast<DWORD>(std::stoul(outcome.output));
  REQUIRE(process_gone(grandchild));
}

TEST_CASE("run_child: a child that closes its output but does not exit is ended at the deadline") {
  const auto outcome = platform::run_child(helper_request({"close-stdout-sleep"}, Millis(2000)));
  REQUIRE(outcome.timed_out);
  REQUIRE_FALSE(outcome.exited_ok());
}

TEST_CASE("run_child: a child that writes more than it may is ended, not buffered") {
  auto request = helper_request({"flood"});
  request.max_output = 100000;
  const auto outcome = platform::run_child(request);
  REQUIRE(outcome.output_too_large);
  REQUIRE_FALSE(outcome.exited_ok());
  REQUIRE(outcome.output.size() <= request.max_output + 65536);
}

TEST_CASE("run_child: a program that does not exist is a failure that names it") {
  platform::ChildRequest request;
  request.program = "C:\\nonexistent\\program.exe";
  request.argv = {"program"};
  const auto outcome = platform::run_child(request);
  REQUIRE_FALSE(outcome.exited_ok());
  REQUIRE(outcome.describe().find("C:\\nonexistent\\program.exe") != std::string::npos);
  REQUIRE(outcome.describe().find("ERROR_") != std::string::npos);
}

TEST_CASE("the agent finds its own directory and its .exe helpers there") {
  std::string why;
  const auto dir = platform::own_executable_dir(why);
  REQUIRE(dir);
  REQUIRE(why.empty());
  REQUIRE(platform::executable_name("capprobe-test-helper") == "capprobe-test-helper.exe");
  REQUIRE(platform::is_executable_file(*dir + "\\capprobe-test-helper.exe"));
  REQUIRE_FALSE(platform::is_executable_file(*dir));  // a directory is not a program
  REQUIRE_FALSE(platform::is_executable_file(*dir + "\\no-such-program.exe"));
  REQUIRE(platform::own_executable().find("process_windows") != std::string::npos);
}

TEST_CASE("make_private_dirs creates the missing levels and accepts an existing directory") {
  platform::WindowsPlatform os;
  const testing::Scratch scratch(os);
  const auto spool = scratch / "var\\lib\\capprobe\\spool";
  REQUIRE(platform::make_private_dirs(spool) == "");
  REQUIRE(::GetFileAttributesW(std::wstring(spool.begin(), spool.end()).c_str()) &
          FILE_ATTRIBUTE_DIRECTORY);
  REQUIRE(platform::make_private_dirs(spool) == "");  // exists: left as it is
  REQUIRE(platform::write_durably(spool, ".tmp-a.json", "a.json", "first") == "");
  REQUIRE(platform::make_private_dirs(spool + "\\a.json").find("not a directory") !=
          std::string::npos);
}

TEST_CASE("write_durably replaces a file whole and leaves no temp file") {
  platform::WindowsPlatform os;
  const testing::Scratch scratch(os);
  REQUIRE(platform::write_durably(scratch.path(), ".tmp-r.json", "r.json", "old") == "");
  REQUIRE(platform::write_durably(scratch.path(), ".tmp-r.json", "r.json", "new content") == "");
  REQUIRE(read_file(scratch / "r.json") == "new content");
  const auto temp = scratch / ".tmp-r.json";
  REQUIRE(::GetFileAttributesA(temp.c_str()) == INVALID_FILE_ATTRIBUTES);
}

TEST_CASE("write_output_file: a new file, a replaced file, NUL written through") {
  platform::WindowsPlatform os;
  const testing::Scratch scratch(os);
  const auto report = scratch / "report.json";
  REQUIRE(platform::write_output_file(report, "one", temp(".capprobe-1-aaaaaa-output")) == "");
  REQUIRE(platform::write_output_file(report, "two\r\n", temp(".capprobe-1-bbbbbb-output")) == "");
  REQUIRE(read_file(report) == "two\r\n");
  REQUIRE(platform::write_output_file("NUL", "into the bit bucket", temp(".t")) == "");
  REQUIRE(platform::write_output_file("nul", "any case", temp(".t")) == "");
  REQUIRE(platform::write_output_file("\\\\.\\NUL", "device namespace", temp(".t")) == "");
}

TEST_CASE("write_output_file refuses a directory and every device but NUL and the console") {
  platform::WindowsPlatform os;
  const testing::Scratch scratch(os);
  CHECK(platform::write_output_file(scratch.path(), "x", temp(".t")).find("is a directory") !=
        std::string::npos);
  // Refused by name, before anything is opened: nothing is written to a disk or a port.
  for (const char* device : {"\\\\.\\PhysicalDrive0", "\\\\.\\C:", "\\\\.\\COM1", "COM1"}) {
    INFO(device);
    CHECK(platform::write_output_file(device, "x", temp(".t")).find("device") != std::string::npos);
  }
  CHECK(platform::write_output_file("", "x", temp(".t")) == "empty file name");
  CHECK(platform::write_output_file(scratch / "missing\\r.json", "x", temp(".t")) != "");
}
