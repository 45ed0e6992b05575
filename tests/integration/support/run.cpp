// posix_spawn + poll over two pipes + wait4: a bounded run that cannot hang a test.
#include "tests/integration/support/run.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <sstream>
#include <stdexcept>

extern char** environ;

namespace capprobe::it {
namespace {

using Clock = std::chrono::steady_clock;

std::vector<std::string> merged_environment(const std::vector<std::string>& extra) {
  std::map<std::string, std::string> by_name;
  std::vector<std::string> order;
  auto add = [&](const std::string& entry) {
    const auto name = entry.substr(0, entry.find('='));
    if (!by_name.count(name)) order.push_back(name);
    by_name[name] = entry;
  };
  for (char** entry = environ; *entry != nullptr; ++entry) add(*entry);
  for (const auto& entry : extra) add(entry);
  std::vector<std::string> env;
  for (const auto& name : order) env.push_back(by_name[name]);
  return env;
}

std::vector<char*> c_strings(std::vector<std::string>& strings) {
  std::vector<char*> pointers;
  for (auto& s : strings) pointers.push_back(s.data());
  pointers.push_back(nullptr);
  return pointers;
}

[[noreturn]] void fail(const std::string& what, int error) {
  throw std::runtime_error(what + ": " + std::strerror(error));
}

struct Pipe {
  int read_end = -1;
  int write_end = -1;
  Pipe() {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) fail("pipe2", errno);
    read_end = fds[0];
    write_end = fds[1];
  }
  ~Pipe() {
    if (read_end >= 0) close(read_end);
    if (write_end >= 0) close(write_end);
  }
  Pipe(const Pipe&) = delete;
  Pipe& operator=(const Pipe&) = delete;
};

// Reads both pipes until both reach EOF or the deadline passes. Returns false on timeout.
bool drain(int out_fd, int err_fd, std::string& out, std::string& err, Clock::time_point deadline) {
  pollfd fds[2] = {{out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}};
  std::string* sinks[2] = {&out, &err};
  int open_count = 2;
  char buffer[65536];
  while (open_count > 0) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return false;
    const int ready = poll(fds, 2, static_cast<int>(left));
    if (ready < 0) {
      if (errno == EINTR) continue;
      fail("poll", errno);
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      const ssize_t n = read(fds[i].fd, buffer, sizeof buffer);
      if (n > 0) {
        sinks[i]->append(buffer, static_cast<std::size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        fds[i].fd = -1;  // EOF (or a broken pipe): this stream is done
        --open_count;
      }
    }
  }
  return true;
}

}  // namespace

RunResult run(const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
              const RunOptions& options) {
  if (argv.empty()) throw std::invalid_argument("run: empty argv");
  RunResult result;
  result.argv = argv;

  Pipe out_pipe;
  Pipe err_pipe;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out_pipe.write_end, STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err_pipe.write_end, STDERR_FILENO);
  if (!options.cwd.empty()) posix_spawn_file_actions_addchdir_np(&actions, options.cwd.c_str());

  // Own process group: a timeout kills the wrapper and everything it started.
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t default_signals;
  sigfillset(&default_signals);
  posix_spawnattr_setsigdefault(&attributes, &default_signals);
  sigset_t no_signals;
  sigemptyset(&no_signals);
  posix_spawnattr_setsigmask(&attributes, &no_signals);
  posix_spawnattr_setpgroup(&attributes, 0);
  posix_spawnattr_setflags(&attributes,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);

  std::vector<std::string> args = argv;
  std::vector<std::string> env = merged_environment(options.extra_env);
  auto arg_pointers = c_strings(args);
  auto env_pointers = c_strings(env);

  const auto started = Clock::now();
  pid_t pid = -1;
  const int spawn_error = posix_spawnp(&pid, argv[0].c_str(), &actions, &attributes,
                                       arg_pointers.data(), env_pointers.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (spawn_error != 0) fail("cannot start " + argv[0], spawn_error);
  result.pid = pid;
  close(out_pipe.write_end);
  out_pipe.write_end = -1;
  close(err_pipe.write_end);
  err_pipe.write_end = -1;

  const auto deadline = started + timeout;
  if (!drain(out_pipe.read_end, err_pipe.read_end, result.out, result.err, deadline)) {
    result.timed_out = true;
    kill(-pid, SIGKILL);
  }

  int status = 0;
  rusage usage{};
  while (true) {
    const pid_t waited = wait4(pid, &status, result.timed_out ? 0 : WNOHANG, &usage);
    if (waited == pid) break;
    if (waited < 0 && errno != EINTR) fail("wait4", errno);
    // Both pipes closed but the process lives on (it closed its stdout early): keep waiting
    // until the deadline, then kill the group.
    if (waited == 0) {
      if (Clock::now() >= deadline) {
        result.timed_out = true;
        kill(-pid, SIGKILL);
      } else {
        usleep(2000);
      }
    }
  }
  // Grandchildren that kept running after the direct child exited (a misbehaving wrapper)
  // must not outlive the test either.
  kill(-pid, SIGKILL);

  result.wall = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started);
  result.max_rss_kib = usage.ru_maxrss;
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) result.term_signal = WTERMSIG(status);
  return result;
}

Background::Background(const std::vector<std::string>& argv) {
  if (argv.empty()) throw std::invalid_argument("Background: empty argv");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  posix_spawnattr_setpgroup(&attributes, 0);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);
  std::vector<std::string> args = argv;
  auto arg_pointers = c_strings(args);
  const int spawn_error =
      posix_spawnp(&pid_, argv[0].c_str(), &actions, &attributes, arg_pointers.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (spawn_error != 0) fail("cannot start " + argv[0], spawn_error);
}

Background::~Background() {
  kill(-pid_, SIGKILL);
  while (waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
  }
}

std::string shell_quote(const std::vector<std::string>& argv) {
  std::string quoted;
  for (const auto& arg : argv) {
    if (!quoted.empty()) quoted += ' ';
    quoted += '\'';
    for (char c : arg) {
      if (c == '\'')
        quoted += "'\\''";
      else
        quoted += c;
    }
    quoted += '\'';
  }
  return quoted;
}

std::string describe(const RunResult& result) {
  std::ostringstream text;
  text << "command: " << shell_quote(result.argv) << "\n";
  if (result.timed_out)
    text << "ended: killed at the timeout after " << result.wall.count() << " ms\n";
  else if (result.term_signal != 0)
    text << "ended: signal " << result.term_signal << " (" << strsignal(result.term_signal)
         << ")\n";
  else
    text << "ended: exit " << result.exit_code << " after " << result.wall.count() << " ms\n";
  constexpr std::size_t kHead = 1500;
  constexpr std::size_t kTail = 2500;
  text << "stdout (" << result.out.size() << " bytes): " << result.out.substr(0, kHead)
       << (result.out.size() > kHead ? " ..." : "") << "\n";
  const auto tail_start = result.err.size() > kTail ? result.err.size() - kTail : 0;
  text << "stderr (" << result.err.size() << " bytes): " << (tail_start > 0 ? "... " : "")
       << result.err.substr(tail_start);
  return text.str();
}

}  // namespace capprobe::it
