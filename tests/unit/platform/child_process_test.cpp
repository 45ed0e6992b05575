// Child processes as the agent runs them: input in, output out, exit status, and the deadline
// that kills the child's whole process group. Real processes (/bin/sh), nothing faked.
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>

#include "platform/process/child_process.hpp"

using namespace capprobe;
using Millis = std::chrono::milliseconds;
using namespace std::chrono_literals;

namespace {

platform::ChildRequest shell(const std::string& script, Millis deadline = Millis(10000)) {
  platform::ChildRequest request;
  request.program = "/bin/sh";
  request.argv = {"sh", "-c", script};
  request.deadline = deadline;
  return request;
}

// Running or sleeping; a zombie waiting for init to reap it is dead already.
bool process_alive(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto paren = text.rfind(')');
  if (paren == std::string::npos || paren + 2 >= text.size()) return false;
  const char state = text[paren + 2];
  return state != 'Z' && state != 'X';
}

}  // namespace

TEST_CASE("a child gets its input and gives back its output and exit code") {
  auto request = shell("cat; echo done; exit 3");
  // More than a pipe holds (64 KiB), so that writing and reading must interleave.
  request.input = std::string(300000, 'x');
  const auto outcome = platform::run_child(request);
  REQUIRE(outcome.failure.empty());
  REQUIRE_FALSE(outcome.timed_out);
  REQUIRE(outcome.exit_code == 3);
  REQUIRE_FALSE(outcome.exited_ok());
  REQUIRE(outcome.output == std::string(300000, 'x') + "done\n");
  REQUIRE(outcome.describe() == "exit code 3");
}

TEST_CASE("a child that ignores its input still finishes") {
  auto request = shell("echo ok");
  request.input = std::string(1 << 20, 'y');  // it never reads: EPIPE, not a hang or SIGPIPE
  const auto outcome = platform::run_child(request);
  REQUIRE(outcome.exited_ok());
  REQUIRE(outcome.output == "ok\n");
}

TEST_CASE("a child past its deadline is killed with everything it started") {
  // The grandchild sleeps on in the background holding nothing of ours: only the process
  // group kill can reach it.
  const auto started = std::chrono::steady_clock::now();
  const auto outcome = platform::run_child(shell("sleep 30 & echo $!; sleep 30", Millis(500)));
  const auto took = std::chrono::steady_clock::now() - started;
  REQUIRE(outcome.timed_out);
  REQUIRE(outcome.signal_number == SIGKILL);
  REQUIRE(took < 5s);
  const int grandchild = std::stoi(outcome.output);
  bool gone = false;
  for (int i = 0; i < 100 && !gone; ++i) {
    gone = !process_alive(grandchild);
    if (!gone) std::this_thread::sleep_for(20ms);
  }
  REQUIRE(gone);
  REQUIRE(outcome.describe() == "killed at its deadline");
}

TEST_CASE("a child that closes its output but does not exit is killed at the deadline") {
  const auto outcome = platform::run_child(shell("exec >&-; sleep 30", Millis(500)));
  REQUIRE(outcome.timed_out);
  REQUIRE_FALSE(outcome.exited_ok());
}

TEST_CASE("a child that writes more than it may is killed, not buffered") {
  auto request = shell("yes");
  request.max_output = 100000;
  const auto outcome = platform::run_child(request);
  REQUIRE(outcome.output_too_large);
  REQUIRE_FALSE(outcome.exited_ok());
  REQUIRE(outcome.output.size() <= request.max_output + 65536);
}

TEST_CASE("a child starts with default signal handling and no blocked signals") {
  // The agent ignores SIGPIPE and its worker threads block signals; neither may leak into
  // what it runs.
  ::signal(SIGPIPE, SIG_IGN);
  sigset_t blocked, previous;
  sigemptyset(&blocked);
  sigaddset(&blocked, SIGTERM);
  ::pthread_sigmask(SIG_BLOCK, &blocked, &previous);
  const auto outcome = platform::run_child(shell("grep -E '^(SigBlk|SigIgn)' /proc/self/status"));
  ::pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  ::signal(SIGPIPE, SIG_DFL);
  REQUIRE(outcome.exited_ok());
  INFO(outcome.output);
  REQUIRE(outcome.output.find("SigBlk:\t0000000000000000") != std::string::npos);
  // SIGPIPE is signal 13: bit 12 of the ignored set.
  const auto ignored = outcome.output.substr(outcome.output.find("SigIgn:\t") + 8, 16);
  REQUIRE((std::stoull(ignored, nullptr, 16) & (1ULL << 12)) == 0);
}

TEST_CASE("a child inherits none of the agent's other file descriptors") {
  // Like Asio's sockets: open without close-on-exec.
  // A high number, apart from what the shell itself opens to list its descriptors.
  const int opened = ::open("/dev/null", O_RDONLY);
  const int leaked = ::fcntl(opened, F_DUPFD, 57);
  ::close(opened);
  REQUIRE(leaked >= 57);
  const auto outcome = platform::run_child(shell("for f in /proc/$$/fd/*; do echo ${f##*/}; done"));
  ::close(leaked);
  REQUIRE(outcome.exited_ok());
  INFO(outcome.output);
  REQUIRE(outcome.output.find(std::to_string(leaked) + "\n") == std::string::npos);
  REQUIRE(outcome.output.find("0\n1\n2\n") != std::string::npos);
}

TEST_CASE("a child whose exit status is lost is a failure, not a success") {
  // With SIGCHLD ignored the kernel reaps children itself: waitpid answers ECHILD.
  ::signal(SIGCHLD, SIG_IGN);
  const auto outcome = platform::run_child(shell("exit 0"));
  ::signal(SIGCHLD, SIG_DFL);
  REQUIRE_FALSE(outcome.exited_ok());
  REQUIRE(outcome.describe().find("exit status is lost") != std::string::npos);
}

TEST_CASE("a program that does not exist is a failure that names it") {
  platform::ChildRequest request;
  request.program = "/nonexistent/program";
  request.argv = {"program"};
  const auto outcome = platform::run_child(request);
  REQUIRE_FALSE(outcome.exited_ok());
  REQUIRE(outcome.describe().find("/nonexistent/program") != std::string::npos);
}

TEST_CASE("the agent finds the directory it was started from") {
  std::string why;
  const auto dir = platform::own_executable_dir(why);
  REQUIRE(dir);
  REQUIRE(why.empty());
  REQUIRE(platform::is_executable_file(*dir + "/unit_agent_daemon"));
  REQUIRE_FALSE(platform::is_executable_file(*dir));  // a directory is not a program
  REQUIRE_FALSE(platform::is_executable_file(*dir + "/no-such-program"));
}
