// Work that may block forever, run with a deadline the caller survives. A stat, a listing or a
// connect on a hung NFS, FUSE or CSI mount does not return until its server answers, and some of
// those waits cannot be interrupted at all; the only way not to wait is to do the work on a
// thread of its own and stop waiting for it. Such a thread is abandoned, never joined: it ends
// when the filesystem answers, or with the process.
//
// What the work touches must outlive it: capture values, and references only to objects that
// live until the process ends (the Platform does). The result lives in state shared with the
// worker, so an abandoned worker never writes into a caller that has returned.
#pragma once

#include <chrono>
#include <condition_variable>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <system_error>
#include <thread>
#include <type_traits>
#include <utility>

namespace capprobe::probes {

template <class T>
struct Bounded {
  std::optional<T> value;  // the work's answer, when it finished in time
  bool timed_out = false;  // the worker was still busy at the deadline (it is abandoned)
  // Why the work was not run: no time was left ("out of time"), or the worker could not be
  // started (e.g. EAGAIN under a pids limit).
  std::string failure;

  bool done() const { return value.has_value(); }
  // "timed out after 1000 ms", "could not start a thread: ...", or "" when done.
  std::string why_not(std::chrono::milliseconds limit) const {
    if (timed_out)
      return "timed out after " + std::to_string(limit.count()) +
             " ms (the filesystem did not answer)";
    return failure;
  }
};

// Runs `work` on a new thread and waits at most `limit` for its answer.
template <class Work>
auto run_bounded(std::chrono::milliseconds limit, Work work)
    -> Bounded<std::invoke_result_t<Work&>> {
  using T = std::invoke_result_t<Work&>;
  struct Shared {
    std::mutex mutex;
    std::condition_variable finished;
    std::optional<T> value;
    std::exception_ptr thrown;  // a bug in the work: rethrown to the caller, as if called inline
  };
  Bounded<T> bounded;
  if (limit.count() <= 0) {
    // No time at all: starting the work would only let it run on after we said it did not.
    bounded.failure = "out of time";
    return bounded;
  }
  auto shared = std::make_shared<Shared>();
  try {
    std::thread([shared, work = std::move(work)]() mutable {
      std::optional<T> value;
      std::exception_ptr thrown;
      try {
        value.emplace(work());
      } catch (...) {
        thrown = std::current_exception();
      }
      std::lock_guard lock(shared->mutex);
      shared->value = std::move(value);
      shared->thrown = thrown;
      shared->finished.notify_all();
    }).detach();
  } catch (const std::system_error& error) {
    bounded.failure = std::string("could not start a thread: ") + error.what();
    return bounded;
  }
  std::unique_lock lock(shared->mutex);
  const auto answered = [&] { return shared->value.has_value() || shared->thrown; };
  if (!shared->finished.wait_for(lock, limit, answered)) {
    bounded.timed_out = true;
    return bounded;
  }
  if (shared->thrown) std::rethrow_exception(shared->thrown);
  bounded.value = std::move(shared->value);
  return bounded;
}

// The time a bounded step may take: `limit`, or less when the deadline comes sooner (never
// negative). Probes use it so that a hung place costs at most what is left of their own time.
inline std::chrono::milliseconds step_limit(std::chrono::milliseconds limit,
                                            std::chrono::steady_clock::time_point deadline,
                                            std::chrono::milliseconds reserve = {}) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                        deadline - std::chrono::steady_clock::now()) -
                    reserve;
  if (left < std::chrono::milliseconds(0)) return std::chrono::milliseconds(0);
  return left < limit ? left : limit;
}

}  // namespace capprobe::probes
