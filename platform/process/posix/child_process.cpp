// POSIX implementation of child_process.hpp: posix_spawn into a new process group, stdin (a
// socket) and stdout (a pipe) driven by poll() against the deadline, SIGKILL to the group when
// it is up.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstring>
#include <mutex>
#include <thread>

#include "platform/process/child_process.hpp"

extern char** environ;

namespace capprobe::platform {
namespace {

using Clock = std::chrono::steady_clock;

constexpr const char* kOwnExecutable = "/proc/self/exe";

// How long a killed child gets to be reaped before it is left for later.
constexpr std::chrono::milliseconds kReapAfterKill{2000};

std::mutex leftovers_mutex;
std::vector<pid_t> leftovers;  // killed children not yet reaped

std::string errno_text(const std::string& what, int error) {
  return what + ": " + std::strerror(error);
}

struct Fd {
  int fd = -1;
  Fd() = default;
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { reset(); }
  void reset() {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
};

bool make_pipe(Fd& read_end, Fd& write_end) {
  int ends[2];
  if (::pipe2(ends, O_CLOEXEC) != 0) return false;
  read_end.fd = ends[0];
  write_end.fd = ends[1];
  return true;
}

// The child's stdin is a socket rather than a pipe so that writing to a child that stopped
// reading is EPIPE from send(MSG_NOSIGNAL), never SIGPIPE, whatever the caller's signal handling.
bool make_input_socket(Fd& child_end, Fd& our_end) {
  int ends[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ends) != 0) return false;
  child_end.fd = ends[0];
  our_end.fd = ends[1];
  return ::shutdown(ends[0], SHUT_WR) == 0 && ::shutdown(ends[1], SHUT_RD) == 0;
}

int poll_timeout(Clock::time_point deadline) {
  const auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return static_cast<int>(std::clamp<long long>(left, 0, INT_MAX));
}

enum class Reaped { yes, gone, not_yet };

// waitpid without blocking until `until`. `gone`: waitpid failed (ECHILD: something else reaped
// it, e.g. SIGCHLD ignored), so its exit status is not known.
Reaped reap_until(pid_t pid, Clock::time_point until, int& status, int& error) {
  while (true) {
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) return Reaped::yes;
    if (done < 0 && errno != EINTR) {
      error = errno;
      return Reaped::gone;
    }
    if (Clock::now() >= until) return Reaped::not_yet;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

// The exit status into `outcome`; a child reaped elsewhere is a failure, never "exit code 0".
void record_reaping(Reaped reaped, int status, int error, ChildOutcome& outcome) {
  if (reaped == Reaped::gone) {
    if (outcome.failure.empty())
      outcome.failure = errno_text("its exit status is lost (waitpid)", error);
    return;
  }
  if (WIFEXITED(status)) outcome.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) outcome.signal_number = WTERMSIG(status);
}

// The child starts with default signal handling and nothing blocked, whatever this thread's
// mask and the agent's dispositions (SIGPIPE is ignored here) are; exec keeps both otherwise.
struct SpawnAttributes {
  posix_spawnattr_t attr;
  SpawnAttributes() {
    ::posix_spawnattr_init(&attr);
    sigset_t none, defaults;
    sigemptyset(&none);
    sigemptyset(&defaults);
    for (const int signal_number : {SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGCHLD})
      sigaddset(&defaults, signal_number);
    ::posix_spawnattr_setsigmask(&attr, &none);
    ::posix_spawnattr_setsigdefault(&attr, &defaults);
    ::posix_spawnattr_setpgroup(&attr, 0);
    ::posix_spawnattr_setflags(
        &attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  }
  ~SpawnAttributes() { ::posix_spawnattr_destroy(&attr); }
};

struct FileActions {
  posix_spawn_file_actions_t actions;
  FileActions(int stdin_fd, int stdout_fd) {
    ::posix_spawn_file_actions_init(&actions);
    ::posix_spawn_file_actions_adddup2(&actions, stdin_fd, 0);
    ::posix_spawn_file_actions_adddup2(&actions, stdout_fd, 1);
    // Nothing else of the agent's: Asio's sockets (the /metrics listener, a scrape under way)
    // are not close-on-exec, and a child must not hold them open.
    ::posix_spawn_file_actions_addclosefrom_np(&actions, 3);
  }
  ~FileActions() { ::posix_spawn_file_actions_destroy(&actions); }
};

}  // namespace

std::string ChildOutcome::describe() const {
  if (!failure.empty()) return failure;
  if (timed_out) return "killed at its deadline";
  if (output_too_large) return "killed for writing too much output";
  if (signal_number) return std::string("killed by signal ") + ::strsignal(*signal_number);
  if (exit_code) return "exit code " + std::to_string(*exit_code);
  return "no exit status";
}

ChildOutcome run_child(const ChildRequest& request) {
  ChildOutcome outcome;
  if (request.program.empty() || request.argv.empty()) {
    outcome.failure = "no program to run";
    return outcome;
  }
  Fd stdin_read, stdin_write, stdout_read, stdout_write;
  if (!make_input_socket(stdin_read, stdin_write) || !make_pipe(stdout_read, stdout_write)) {
    outcome.failure = errno_text("pipe", errno);
    return outcome;
  }
  std::vector<char*> argv;
  for (const auto& word : request.argv) argv.push_back(const_cast<char*>(word.c_str()));
  argv.push_back(nullptr);

  pid_t pid = -1;
  {
    SpawnAttributes attributes;
    FileActions actions(stdin_read.fd, stdout_write.fd);
    const int error = ::posix_spawn(&pid, request.program.c_str(), &actions.actions,
                                    &attributes.attr, argv.data(), environ);
    if (error != 0) {
      outcome.failure = errno_text("cannot start " + request.program, error);
      return outcome;
    }
  }
  stdin_read.reset();
  stdout_write.reset();
  if (request.input.empty()) stdin_write.reset();

  const auto deadline = Clock::now() + request.deadline;
  std::size_t written = 0;
  char buffer[65536];
  bool stdout_open = true;
  while (stdout_open) {
    pollfd fds[2] = {{stdout_read.fd, POLLIN, 0}, {stdin_write.fd, POLLOUT, 0}};
    const nfds_t count = stdin_write.fd >= 0 ? 2 : 1;
    const int ready = ::poll(fds, count, poll_timeout(deadline));
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) {
      outcome.failure = errno_text("poll", errno);
      break;
    }
    if (ready == 0) {
      outcome.timed_out = true;
      break;
    }
    if (count == 2 && fds[1].revents != 0) {
      const auto wrote = ::send(stdin_write.fd, request.input.data() + written,
                                request.input.size() - written, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (wrote > 0) written += static_cast<std::size_t>(wrote);
      // EPIPE: the child does not want the rest of its input; that is its business.
      if ((wrote < 0 && errno != EAGAIN && errno != EINTR) || written == request.input.size())
        stdin_write.reset();
    }
    if (fds[0].revents != 0) {
      const auto got = ::read(stdout_read.fd, buffer, sizeof buffer);
      if (got > 0) {
        outcome.output.append(buffer, static_cast<std::size_t>(got));
        if (outcome.output.size() > request.max_output) {
          outcome.output_too_large = true;
          break;
        }
      } else if (got == 0 || (errno != EINTR && errno != EAGAIN)) {
        stdout_open = false;
      }
    }
  }
  stdin_write.reset();
  stdout_read.reset();

  int status = 0;
  int error = 0;
  const bool give_up = outcome.timed_out || outcome.output_too_large || !outcome.failure.empty();
  // A child that closed its stdout is about to exit; it still gets only what is left of its
  // deadline to do so.
  if (!give_up) {
    const auto reaped = reap_until(pid, deadline, status, error);
    if (reaped != Reaped::not_yet) {
      record_reaping(reaped, status, error, outcome);
      return outcome;
    }
    outcome.timed_out = true;
  }
  ::kill(-pid, SIGKILL);
  const auto reaped = reap_until(pid, Clock::now() + kReapAfterKill, status, error);
  if (reaped != Reaped::not_yet) {
    record_reaping(reaped, status, error, outcome);
  } else {
    std::lock_guard lock(leftovers_mutex);
    leftovers.push_back(pid);
  }
  return outcome;
}

void reap_leftover_children() {
  std::lock_guard lock(leftovers_mutex);
  std::erase_if(leftovers, [](pid_t pid) {
    int status = 0;
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    return done == pid || done < 0;
  });
}

std::string own_executable() {
  return kOwnExecutable;
}

std::optional<std::string> own_executable_dir(std::string& why) {
  char path[PATH_MAX];
  const auto length = ::readlink(kOwnExecutable, path, sizeof path - 1);
  if (length < 0) {
    why = errno_text(std::string("readlink ") + kOwnExecutable, errno);
    return std::nullopt;
  }
  std::string text(path, static_cast<std::size_t>(length));
  // An upgrade that replaced the file leaves "/usr/bin/capprobe (deleted)": the directory is
  // still where the new helpers are.
  const auto slash = text.rfind('/');
  if (slash == std::string::npos) {
    why = std::string(kOwnExecutable) + " is not an absolute path: " + text;
    return std::nullopt;
  }
  return slash == 0 ? std::string("/") : text.substr(0, slash);
}

std::string executable_name(const std::string& base) {
  return base;
}

std::string replace_process(const std::string& program, const std::vector<std::string>& args) {
  std::vector<std::string> owned{program};
  owned.insert(owned.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& arg : owned) argv.push_back(arg.data());
  argv.push_back(nullptr);
  ::execvp(program.c_str(), argv.data());
  return errno_text("execvp " + program, errno);
}

bool is_executable_file(const std::string& path) {
  struct stat status {};
  return ::stat(path.c_str(), &status) == 0 && S_ISREG(status.st_mode) &&
         ::access(path.c_str(), X_OK) == 0;
}

}  // namespace capprobe::platform
