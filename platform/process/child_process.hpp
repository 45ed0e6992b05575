// Running a helper process to completion under a deadline: the agent's probe rounds and its
// deliveries run in child processes so that what they load, allocate or leave hanging (libcurl
// and OpenSSL, probe threads stuck past their deadline) never stays in the long-lived agent.
// Per OS in platform/process/<os>/child_process.cpp, chosen by CMake.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include <chrono>

namespace capprobe::platform {

struct ChildRequest {
  std::string program;                        // the executable's path
  std::vector<std::string> argv;              // argv[0] included: what `ps` shows
  std::string input;                          // written to the child's stdin, which is then closed
  std::chrono::milliseconds deadline{60000};  // then the child's process group (job) is killed
  std::size_t max_output = 16u << 20;         // stdout beyond this is a failure, not a larger agent
  // Windows: the child runs in a kill-on-close job of its own, so the deadline ends everything
  // it started. The probe round says false: inside such a job the round would read that job's
  // (empty) limits instead of the pod's, since QueryInformationJobObject(NULL) answers the
  // innermost job. Without it the deadline ends the child alone. POSIX: a process group either
  // way.
  bool own_job = true;
};

struct ChildOutcome {
  std::string output;                // the child's stdout; its stderr is the agent's
  std::optional<int> exit_code;      // when it exited
  std::optional<int> signal_number;  // when a signal ended it (never on Windows)
  bool timed_out = false;            // killed at the deadline
  bool output_too_large = false;     // killed for writing more than max_output
  std::string failure;               // why it could not be started or waited for; else empty

  bool exited_ok() const { return failure.empty() && exit_code == 0 && !timed_out; }
  // One line for a log or an error: "exit code 3", "killed at its 60 s deadline", ...
  std::string describe() const;
};

// Starts the child in a process group of its own (on Windows: and a job object, which the
// deadline terminates) with the agent's environment, feeds it `input`, collects stdout and
// reaps it. Blocking: call it from a worker thread. A child that cannot be reaped even after
// SIGKILL (a thread stuck in the kernel) is left to reap_leftover_children().
ChildOutcome run_child(const ChildRequest& request);

// Reaps children that earlier run_child calls had to leave unreaped; cheap, never blocks.
void reap_leftover_children();

// The path to run this very executable with (the agent's rounds): on Linux "/proc/self/exe",
// which still names it after a package upgrade replaced the file on disk; on Windows the
// module's path (GetModuleFileNameW: a running .exe cannot be replaced in place).
std::string own_executable();

// The directory the running executable was started from, where its helper binaries live;
// nullopt with `why` filled when /proc/self/exe (GetModuleFileNameW) cannot be read.
std::optional<std::string> own_executable_dir(std::string& why);

// Whether `path` is a file this process may execute.
bool is_executable_file(const std::string& path);

// The file name of the program called `base` on this OS: "capprobe-deliver" on Linux,
// "capprobe-deliver.exe" on Windows.
std::string executable_name(const std::string& base);

#ifndef _WIN32
// Becomes `program` run with `args` (execvp: the same pid, environment and standard streams, so
// signals and the exit status are the new program's); a `program` without a '/' is looked up on
// PATH. Returns only when that failed, with why.
// POSIX only: its one user, `capprobe collector`, is Linux's.
std::string replace_process(const std::string& program, const std::vector<std::string>& args);
#endif

}  // namespace capprobe::platform
