// The memory trial behind resources.memory_limit: a forked child maps and touches memory in steps
// and reports what it holds over a pipe, so an OOM kill or a failed allocation ends only the
// child. The parent reads the reports under a hard timeout and always reaps the child.
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <optional>
#include <string>

#include "platform/linux/errno_names.hpp"
#include "platform/linux/linux_platform.hpp"
#include "platform/linux/unique_fd.hpp"

namespace capprobe::platform {

using posix::last_error;
using posix::os_error;

namespace {

// The child's exit codes, away from the shell's and the loader's (1, 2, 126, 127).
constexpr int kExitAllocFailed = 90;
constexpr int kExitSetupFailed = 91;
constexpr int kExitOrphaned = 92;
constexpr int kExitPipeFailed = 93;
constexpr std::uint64_t kReportEvery = 4ull << 20;
// How often the parent looks at the child directly when the pipe is quiet.
constexpr std::chrono::milliseconds kQuietSlice{50};

enum class RecordKind : std::uint32_t { progress = 1, alloc_failed = 2, setup_failed = 3 };
enum class Stage : std::uint64_t { death_signal = 1, core_limit, address_space_limit, oom_score };

// One fixed-size record per write: smaller than PIPE_BUF, so every write is atomic.
struct Record {
  RecordKind kind;
  std::int32_t error;   // errno of a failure
  std::uint64_t value;  // bytes touched so far, or the Stage that failed
};
static_assert(sizeof(Record) == 16);

// Everything the child needs, prepared before fork: after fork it may not allocate.
struct ChildPlan {
  std::uint64_t stop_at;
  std::uint64_t step;
  std::uint64_t address_space_limit;
  std::uint64_t page;
  pid_t parent;
  int report_fd;
};

// --- the child: async-signal-safe calls only (the parent may be multithreaded, so any lock may
// --- be held by a thread that does not exist here): no malloc, no iostreams, no logging.

bool send(int fd, Record record) {
  for (;;) {
    const ssize_t n = ::write(fd, &record, sizeof record);
    if (n == static_cast<ssize_t>(sizeof record)) return true;
    if (n < 0 && errno == EINTR) continue;
    return false;
  }
}

[[noreturn]] void fail_setup(int fd, Stage stage, int error) {
  send(fd, Record{RecordKind::setup_failed, error, static_cast<std::uint64_t>(stage)});
  ::_exit(kExitSetupFailed);
}

void close_other_fds(int keep) {
  // Hygiene rather than safety: descriptors inherited from other threads (a pipe someone else
  // waits on for EOF) would stay open as long as this child lives. Before Linux 5.9 close_range
  // is ENOSYS and they stay open until the child exits, which the timeout bounds.
  const auto kept = static_cast<unsigned>(keep);
  if (kept > 3) ::close_range(3, kept - 1, 0);
  ::close_range(kept + 1, ~0u, 0);
}

// The agent's signal handlers (and the test framework's) must not run in the child, and a mask
// inherited from the forking thread must not shield it: it dies of signals like a plain process.
// Signals stay blocked from before fork until the handlers are reset, so none can run between.
void default_signals() {
  struct sigaction plain {};
  plain.sa_handler = SIG_DFL;
  sigemptyset(&plain.sa_mask);
  for (int signal = 1; signal < NSIG; ++signal) {
    if (signal == SIGKILL || signal == SIGSTOP) continue;
    ::sigaction(signal, &plain, nullptr);  // EINVAL for the C library's reserved ones: fine
  }
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
}

[[noreturn]] void child_main(const ChildPlan& plan) {
  const int fd = plan.report_fd;
  default_signals();
  // Die with the parent: an orphaned allocator must not linger. The signal is tied to the thread
  // that forked, which blocks waiting for this child, so it fires only if the parent goes away.
  if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) fail_setup(fd, Stage::death_signal, errno);
  if (::getppid() != plan.parent) ::_exit(kExitOrphaned);  // the parent died before prctl
  close_other_fds(fd);
  const rlimit no_core{0, 0};
  if (::setrlimit(RLIMIT_CORE, &no_core) != 0) fail_setup(fd, Stage::core_limit, errno);
  if (plan.address_space_limit != 0) {
    const rlimit space{plan.address_space_limit, plan.address_space_limit};
    if (::setrlimit(RLIMIT_AS, &space) != 0) fail_setup(fd, Stage::address_space_limit, errno);
  }
  // Make the OOM killer pick this child rather than the agent; raising it needs no privilege.
  const int score = ::open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
  if (score < 0) fail_setup(fd, Stage::oom_score, errno);
  const ssize_t wrote = ::write(score, "1000", 4);
  if (wrote != 4) fail_setup(fd, Stage::oom_score, wrote < 0 ? errno : EIO);
  ::close(score);

  std::uint64_t touched = 0;
  std::uint64_t next_report = kReportEvery;
  while (touched < plan.stop_at) {
    const std::uint64_t left = (plan.stop_at - touched + plan.page - 1) / plan.page * plan.page;
    const std::size_t size = static_cast<std::size_t>(std::min(plan.step, left));
    void* block = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (block == MAP_FAILED) {
      send(fd, Record{RecordKind::alloc_failed, errno, touched});
      ::_exit(kExitAllocFailed);
    }
    auto* bytes = static_cast<volatile unsigned char*>(block);
    for (std::size_t offset = 0; offset < size; offset += plan.page) {
      bytes[offset] = 1;  // the write makes the kernel back the page: an OOM kill lands here
      touched += plan.page;
      if (touched >= next_report) {
        if (!send(fd, Record{RecordKind::progress, 0, touched})) ::_exit(kExitPipeFailed);
        next_report += kReportEvery;
      }
    }
  }
  if (!send(fd, Record{RecordKind::progress, 0, touched})) ::_exit(kExitPipeFailed);
  ::_exit(0);
}

// --- the parent

struct Reports {
  std::uint64_t reached = 0;
  std::optional<int> alloc_errno;
  std::optional<std::pair<Stage, int>> setup_failure;
  std::string pending;  // a partial record, should a read ever split one

  void take(const char* data, std::size_t size) {
    pending.append(data, size);
    std::size_t used = 0;
    for (; pending.size() - used >= sizeof(Record); used += sizeof(Record)) {
      Record record{};
      std::memcpy(&record, pending.data() + used, sizeof record);
      switch (record.kind) {
        case RecordKind::progress:
          reached = std::max(reached, record.value);
          break;
        case RecordKind::alloc_failed:
          alloc_errno = record.error;
          reached = std::max(reached, record.value);
          break;
        case RecordKind::setup_failed:
          setup_failure = {static_cast<Stage>(record.value), record.error};
          break;
      }
    }
    pending.erase(0, used);
  }
};

std::string stage_name(Stage stage) {
  switch (stage) {
    case Stage::death_signal:
      return "prctl PR_SET_PDEATHSIG";
    case Stage::core_limit:
      return "setrlimit RLIMIT_CORE";
    case Stage::address_space_limit:
      return "setrlimit RLIMIT_AS";
    case Stage::oom_score:
      return "write /proc/self/oom_score_adj";
  }
  return "setup";
}

// Owns the child: whichever way run_memory_trial returns, the child is killed if still running
// and reaped, so neither a zombie nor a stray allocator is left behind.
class ChildWatch {
 public:
  explicit ChildWatch(pid_t pid) : pid_(pid) {}
  ChildWatch(const ChildWatch&) = delete;
  ChildWatch& operator=(const ChildWatch&) = delete;
  ~ChildWatch() {
    if (reaped_) return;
    ::kill(pid_, SIGKILL);
    (void)wait(0);  // an error here means someone else reaped it: nothing left to do
  }

  // The wait status once the child has ended; nullopt while it runs (with WNOHANG).
  Result<std::optional<int>> wait(int flags) {
    for (;;) {
      int status = 0;
      const pid_t got = ::waitpid(pid_, &status, flags);
      if (got == pid_) {
        reaped_ = true;
        return std::optional<int>(status);
      }
      if (got == 0) return std::optional<int>();
      if (errno == EINTR) continue;
      // ECHILD: reaped elsewhere (SIGCHLD ignored?); the pid may be reused, so never kill it now.
      reaped_ = true;
      return last_error("waitpid", std::to_string(pid_));
    }
  }

 private:
  pid_t pid_;
  bool reaped_ = false;
};

// Reads what is in the pipe now; returns false at EOF.
Result<bool> read_available(int fd, Reports& reports) {
  std::array<char, 4096> chunk{};
  for (;;) {
    const ssize_t got = ::read(fd, chunk.data(), chunk.size());
    if (got > 0) {
      reports.take(chunk.data(), static_cast<std::size_t>(got));
      return true;
    }
    if (got == 0) return false;
    if (errno == EINTR) continue;
    return last_error("read", "memory trial pipe");
  }
}

// After the child has ended: whatever it wrote before dying is still in the pipe.
Result<Done> drain(int fd, Reports& reports) {
  for (;;) {
    pollfd pipe{fd, POLLIN, 0};
    const int ready = ::poll(&pipe, 1, 0);
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) return last_error("poll", "memory trial pipe");
    if (ready == 0) return Done{};
    auto more = read_available(fd, reports);
    if (!more) return more.error();
    if (!more.value()) return Done{};
  }
}

std::string signal_name(int signal) {
  const char* abbrev = ::sigabbrev_np(signal);
  return abbrev != nullptr ? std::string("SIG") + abbrev : "signal " + std::to_string(signal);
}

}  // namespace

Result<MemoryTrialOutcome> LinuxPlatform::run_memory_trial(const MemoryTrialPlan& plan) {
  using std::chrono::steady_clock;
  if (plan.step_bytes == 0) return os_error(EINVAL, "memory trial: step_bytes is 0");
  const long page_size = ::sysconf(_SC_PAGESIZE);
  if (page_size <= 0) return last_error("sysconf _SC_PAGESIZE");
  const auto page = static_cast<std::uint64_t>(page_size);

  int ends[2] = {-1, -1};
  if (::pipe2(ends, O_CLOEXEC) != 0) return last_error("pipe2", "memory trial");
  posix::UniqueFd reader(ends[0]);
  posix::UniqueFd writer(ends[1]);
  const ChildPlan child_plan{plan.stop_at_bytes,
                             (plan.step_bytes + page - 1) / page * page,
                             plan.address_space_limit,
                             page,
                             ::getpid(),
                             writer.get()};

  const auto started = steady_clock::now();
  const auto deadline = started + std::max(plan.timeout, std::chrono::milliseconds{0});
  sigset_t all;
  sigset_t previous;
  sigfillset(&all);
  if (const int rc = ::pthread_sigmask(SIG_SETMASK, &all, &previous); rc != 0) {
    return os_error(rc, "pthread_sigmask");
  }
  const pid_t pid = ::fork();
  const int fork_errno = errno;
  if (pid == 0) child_main(child_plan);
  ::pthread_sigmask(SIG_SETMASK, &previous, nullptr);  // restoring a mask we just read cannot fail
  if (pid < 0) return os_error(fork_errno, "fork memory trial child");
  ChildWatch child(pid);
  writer.reset();  // our copy of the write end would keep EOF from ever arriving

  Reports reports;
  bool eof = false;
  bool killed_at_timeout = false;
  std::optional<int> status;
  while (!status) {
    const auto now = steady_clock::now();
    if (!killed_at_timeout && now >= deadline) {
      ::kill(pid, SIGKILL);  // our own unreaped child: the pid cannot have been reused
      killed_at_timeout = true;
    }
    if (eof || killed_at_timeout) {  // the child is gone or going: a blocking wait is short
      auto ended = child.wait(0);
      if (!ended) return ended.error();
      status = ended.value();
      break;
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now);
    pollfd pipe{reader.get(), POLLIN, 0};
    const int ready = ::poll(&pipe, 1, static_cast<int>(std::min(left, kQuietSlice).count()) + 1);
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) return last_error("poll", "memory trial pipe");
    if (ready > 0) {
      auto more = read_available(reader.get(), reports);
      if (!more) return more.error();
      eof = !more.value();
      continue;
    }
    // A quiet pipe: the child may have ended while a process forked elsewhere in the agent still
    // holds a copy of the write end, which delays EOF. Ask for the child directly.
    auto ended = child.wait(WNOHANG);
    if (!ended) return ended.error();
    status = ended.value();
  }
  if (auto drained = drain(reader.get(), reports); !drained) return drained.error();

  MemoryTrialOutcome outcome;
  outcome.elapsed =
      std::chrono::duration_cast<std::chrono::milliseconds>(steady_clock::now() - started);
  outcome.reached_bytes = reports.reached;
  if (WIFSIGNALED(*status)) {
    outcome.signal = WTERMSIG(*status);
    const bool ours = killed_at_timeout && outcome.signal == SIGKILL;
    outcome.end = ours ? MemoryTrialEnd::timed_out : MemoryTrialEnd::killed;
    outcome.detail = ours ? "killed at the " + std::to_string(plan.timeout.count()) + " ms timeout"
                          : signal_name(outcome.signal);
    return outcome;
  }
  const int code = WIFEXITED(*status) ? WEXITSTATUS(*status) : -1;
  switch (code) {
    case 0:
      outcome.end = MemoryTrialEnd::reached_target;
      return outcome;
    case kExitAllocFailed:
      outcome.end = MemoryTrialEnd::alloc_failed;
      outcome.detail = reports.alloc_errno ? posix::errno_name(*reports.alloc_errno) : "unreported";
      return outcome;
    case kExitSetupFailed:
      if (!reports.setup_failure) return os_error(EPROTO, "memory trial child: setup failed");
      return os_error(reports.setup_failure->second,
                      "memory trial child: " + stage_name(reports.setup_failure->first));
    case kExitOrphaned:
      return os_error(ECHILD, "memory trial child: lost its parent at start");
    case kExitPipeFailed:
      return os_error(EPIPE, "memory trial child: could not report progress");
    default:
      return os_error(EPROTO, "memory trial child: unexpected exit code " + std::to_string(code));
  }
}

}  // namespace capprobe::platform
