// The CPU burn behind resources.cpu_limit: N threads, released together, spin for a bounded time;
// their own CPU time against the wall time shows how many CPUs a quota (or a hypervisor) really
// grants. Only the burning threads' CPU time counts, so the rest of the agent cannot skew it.
#include <sched.h>
#include <time.h>

#include <algorithm>
#include <functional>
#include <latch>
#include <optional>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "platform/linux/cpu_set.hpp"
#include "platform/linux/errno_names.hpp"
#include "platform/linux/linux_platform.hpp"

namespace capprobe::platform {
namespace {

constexpr int kMaxThreads = 1024;
constexpr std::chrono::milliseconds kMaxDuration{5000};  // the burn throttles the whole pod

std::chrono::nanoseconds read_clock(clockid_t clock) {
  timespec now{};
  ::clock_gettime(clock, &now);  // cannot fail for these clocks with a valid pointer
  return std::chrono::seconds(now.tv_sec) + std::chrono::nanoseconds(now.tv_nsec);
}

std::optional<OsError> pin_calling_thread(int cpu) {
  const posix::CpuSet set(CPU_ALLOC(cpu + 1));
  if (!set) return posix::os_error(ENOMEM, "CPU_ALLOC");
  const std::size_t size = CPU_ALLOC_SIZE(cpu + 1);
  CPU_ZERO_S(size, set.get());
  CPU_SET_S(cpu, size, set.get());
  if (::sched_setaffinity(0, size, set.get()) != 0) {  // 0 = the calling thread
    return posix::last_error("sched_setaffinity cpu", std::to_string(cpu));
  }
  return std::nullopt;
}

struct Lane {
  int cpu = -1;  // the CPU this lane is pinned to; -1 = not pinned
  std::optional<OsError> error;
  std::chrono::nanoseconds cpu_used{0};
  std::chrono::nanoseconds ended{0};
};

struct StartLine {
  explicit StartLine(int lanes) : ready(lanes) {}
  std::latch ready;  // every lane is pinned and waiting
  std::latch go{1};  // opened once; `abort` and `end` are written before it opens
  bool abort = false;
  std::chrono::nanoseconds end{0};
};

void run_lane(Lane& lane, StartLine& start) {
  // Pinning keeps two lanes from sharing one CPU while another CPU idles, which would read as
  // a quota that is not there.
  if (lane.cpu >= 0) lane.error = pin_calling_thread(lane.cpu);
  start.ready.count_down();
  start.go.wait();
  if (start.abort) return;
  const auto cpu_before = read_clock(CLOCK_THREAD_CPUTIME_ID);
  while (read_clock(CLOCK_MONOTONIC) < start.end) {
  }
  lane.cpu_used = read_clock(CLOCK_THREAD_CPUTIME_ID) - cpu_before;
  lane.ended = read_clock(CLOCK_MONOTONIC);
}

}  // namespace

Result<BurnSample> LinuxPlatform::burn_cpu(int threads, std::chrono::milliseconds duration) {
  threads = std::clamp(threads, 1, kMaxThreads);
  duration = std::clamp(duration, std::chrono::milliseconds{0}, kMaxDuration);
  const auto allowed = allowed_cpus();
  if (!allowed) return allowed.error();
  const auto& cpus = allowed.value();

  std::vector<Lane> lanes(static_cast<std::size_t>(threads));
  if (static_cast<std::size_t>(threads) <= cpus.size()) {
    for (std::size_t i = 0; i < lanes.size(); ++i) lanes[i].cpu = cpus[i];
  }
  StartLine start(threads);
  std::vector<std::thread> workers;
  workers.reserve(lanes.size());
  std::optional<OsError> failure;
  try {
    for (auto& lane : lanes) workers.emplace_back(run_lane, std::ref(lane), std::ref(start));
  } catch (const std::system_error& e) {
    failure = posix::os_error(e.code().value(), "start burn thread " +
                                                    std::to_string(workers.size() + 1) + " of " +
                                                    std::to_string(threads));
  }
  if (!failure) {
    start.ready.wait();
    for (const auto& lane : lanes) {
      if (lane.error) {
        failure = lane.error;
        break;
      }
    }
  }
  // Whatever happened, the lanes that exist are released and joined: no thread outlives the call.
  start.abort = failure.has_value();
  const auto released = read_clock(CLOCK_MONOTONIC);
  start.end = released + duration;
  start.go.count_down();
  for (auto& worker : workers) worker.join();
  if (failure) return *failure;

  BurnSample sample;
  sample.threads = threads;
  auto last_end = released;
  for (const auto& lane : lanes) {
    last_end = std::max(last_end, lane.ended);
    sample.cpu += lane.cpu_used;
  }
  sample.wall = last_end - released;
  return sample;
}

}  // namespace capprobe::platform
