// Runs a command the way a user would, with a hard timeout, and keeps everything it said: the
// integration tests judge the real capprobe binary only by its exit status and output.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace capprobe::it {

struct RunOptions {
  std::string cwd;                     // empty = the test's own working directory
  std::vector<std::string> extra_env;  // "NAME=value", added to (or overriding) our environment
};

struct RunResult {
  std::vector<std::string> argv;
  pid_t pid = -1;          // the spawned process (capprobe itself when it is exec'd directly)
  int exit_code = -1;      // -1 when it did not exit normally
  int term_signal = 0;     // the signal that ended it, 0 when it exited
  bool timed_out = false;  // we killed its process group at the deadline
  std::string out;         // everything written to stdout
  std::string err;         // everything written to stderr
  std::chrono::milliseconds wall{0};
  long max_rss_kib = 0;  // ru_maxrss of the spawned process tree as wait4 reports it

  bool exited_zero() const { return !timed_out && term_signal == 0 && exit_code == 0; }
};

// Spawns argv[0] (searched in PATH) in its own process group with stdin from /dev/null. On
// timeout the whole group gets SIGKILL, so wrappers (sh, unshare, setpriv) never outlive a test.
// Throws std::runtime_error only when the command cannot be started at all.
RunResult run(const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
              const RunOptions& options = {});

// A command left running beside the one under test (a competing CPU load, say): started in its
// own process group with stdin, stdout and stderr on /dev/null; the destructor kills the whole
// group and reaps it, so nothing outlives the test. Throws std::runtime_error when it cannot
// start.
class Background {
 public:
  explicit Background(const std::vector<std::string>& argv);
  ~Background();
  Background(const Background&) = delete;
  Background& operator=(const Background&) = delete;

  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
};

// A few lines for a failure message: the command, how it ended, the start of stdout and the
// end of stderr.
std::string describe(const RunResult& result);

// The shell-quoted form of argv, for `sh -c` wrappers.
std::string shell_quote(const std::vector<std::string>& argv);

}  // namespace capprobe::it
