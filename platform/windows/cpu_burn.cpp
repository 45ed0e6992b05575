// The CPU burn behind resources.cpu_limit on Windows: N threads, one pinned to each allowed CPU,
// released together, spin for a bounded time; their own CPU time against the wall time shows how
// many CPUs a job's CPU rate (or the Hyper-V host) really grants. Only the burning threads' CPU
// time counts, so the rest of the agent cannot skew it.
//
// CPU time from GetThreadTimes rather than QueryThreadCycleTime: the cycle count is exact but in
// cycles, and turning cycles into seconds needs a cycle rate Windows does not publish (the TSC's,
// under a hypervisor the host's choice); GetThreadTimes answers in 100 ns units, what the judge
// compares with the wall time. Its figures advance on the clock tick (15.6 ms by default), so a
// thread's time is off by at most one tick: 1.6% of the 1 s burn, well inside the judge's 15%.
// Wall time from QueryPerformanceCounter (monotonic_now).
//
// The start line is a mutex and a condition variable: with GCC 12's posix-thread mingw-w64,
// std::latch and std::binary_semaphore hang.
#include <windows.h>

#include <algorithm>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "platform/windows/win32_errors.hpp"
#include "platform/windows/windows_platform.hpp"

namespace capprobe::platform {
namespace {

constexpr int kMaxThreads = 1024;
constexpr std::chrono::milliseconds kMaxDuration{5000};  // the burn throttles the whole pod
constexpr int kGroupWidth = 64;                          // allowed_cpus: group x 64 + number

std::chrono::nanoseconds thread_cpu_time() {
  FILETIME created{};
  FILETIME exited{};
  FILETIME kernel{};
  FILETIME user{};
  // Cannot fail for the calling thread's pseudo-handle.
  ::GetThreadTimes(::GetCurrentThread(), &created, &exited, &kernel, &user);
  const auto ticks = [](const FILETIME& time) {
    return (static_cast<std::uint64_t>(time.dwHighDateTime) << 32) | time.dwLowDateTime;
  };
  return std::chrono::nanoseconds((ticks(kernel) + ticks(user)) * 100);
}

// Pins the calling thread to one CPU of one processor group: a thread runs in one group only,
// so the group is set with the CPU, and a burn spreads over every group the process may use.
std::optional<OsError> pin_calling_thread(int cpu) {
  GROUP_AFFINITY affinity{};
  affinity.Group = static_cast<WORD>(cpu / kGroupWidth);
  affinity.Mask = static_cast<KAFFINITY>(1) << (cpu % kGroupWidth);
  if (!::SetThreadGroupAffinity(::GetCurrentThread(), &affinity, nullptr)) {
    return win32::last_error("SetThreadGroupAffinity cpu", std::to_string(cpu));
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
  std::mutex mutex;
  std::condition_variable changed;
  int ready = 0;          // lanes pinned and waiting
  bool released = false;  // `abort` and `end` are written before this, under the mutex
  bool abort = false;
  std::chrono::nanoseconds end{0};
};

void run_lane(const WindowsPlatform& os, Lane& lane, StartLine& start) {
  // Pinning keeps two lanes from sharing one CPU while another CPU idles, which would read as
  // a cap that is not there.
  if (lane.cpu >= 0) lane.error = pin_calling_thread(lane.cpu);
  std::chrono::nanoseconds end{0};
  {
    std::unique_lock lock(start.mutex);
    ++start.ready;
    start.changed.notify_all();
    start.changed.wait(lock, [&] { return start.released; });
    if (start.abort) return;
    end = start.end;
  }
  const auto cpu_before = thread_cpu_time();
  while (os.monotonic_now() < end) {
  }
  lane.cpu_used = thread_cpu_time() - cpu_before;
  lane.ended = os.monotonic_now();
}

}  // namespace

Result<BurnSample> WindowsPlatform::burn_cpu(int threads, std::chrono::milliseconds duration) {
  threads = std::clamp(threads, 1, kMaxThreads);
  duration = std::clamp(duration, std::chrono::milliseconds{0}, kMaxDuration);
  const auto allowed = allowed_cpus();
  if (!allowed) return allowed.error();
  const auto& cpus = allowed.value();

  std::vector<Lane> lanes(static_cast<std::size_t>(threads));
  if (static_cast<std::size_t>(threads) <= cpus.size()) {
    for (std::size_t i = 0; i < lanes.size(); ++i) lanes[i].cpu = cpus[i];
  }
  StartLine start;
  std::vector<std::thread> workers;
  workers.reserve(lanes.size());
  std::optional<OsError> failure;
  try {
    for (auto& lane : lanes) {
      workers.emplace_back(run_lane, std::cref(*this), std::ref(lane), std::ref(start));
    }
  } catch (const std::system_error& e) {
    failure = win32::os_error(ERROR_NOT_ENOUGH_MEMORY,
                              "start burn thread " + std::to_string(workers.size() + 1) + " of " +
                                  std::to_string(threads) + ": " + e.what());
  }
  std::chrono::nanoseconds released{0};
  {
    std::unique_lock lock(start.mutex);
    const int started = static_cast<int>(workers.size());
    start.changed.wait(lock, [&] { return start.ready == started; });
    for (const auto& lane : lanes) {
      if (!failure && lane.error) failure = lane.error;
    }
    // Whatever happened, the lanes that exist are released and joined: no thread outlives the
    // call.
    start.abort = failure.has_value();
    released = monotonic_now();
    start.end = released + duration;
    start.released = true;
  }
  start.changed.notify_all();
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
