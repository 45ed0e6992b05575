// A process the test starts in the background (the agent), with its stdout and stderr in files
// the test can read while it runs. The destructor kills its process group, so no agent
// outlives a test, whatever the test's outcome.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace capprobe::it {

class ChildProcess {
 public:
  // Starts argv[0] (a path) in its own process group, stdin from /dev/null; `extra_env`
  // entries ("NAME=value") are added to ours. Throws std::runtime_error if it cannot start.
  ChildProcess(const std::vector<std::string>& argv, const std::vector<std::string>& extra_env,
               const std::string& output_dir);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  void signal(int signal_number) const;
  // The exit code once it has exited within `timeout` (128 + signal when a signal ended it);
  // nullopt while it still runs.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout);
  bool running();
  std::string out() const;
  std::string err() const;

 private:
  pid_t pid_ = -1;
  std::optional<int> exit_code_;
  std::string out_path_;
  std::string err_path_;
};

// Polls `condition` every 20 ms until it holds or `timeout` passes; returns its last value.
bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds timeout);

}  // namespace capprobe::it
