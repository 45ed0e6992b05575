// One thread that runs bounded steps one after another (probes/common/bounded.hpp's rule: a
// step that may block forever runs off the caller's thread, and the caller stops waiting at a
// deadline). Reusing the thread for every step of a probe or of the residue sweep saves a thread
// start per place; a step that overruns takes its thread with it (abandoned, never joined) and
// the next step starts a fresh one.
//
// What a step touches must outlive it: capture values, and references only to objects that live
// until the process ends (the Platform does). Everything the thread shares with the Worker lives
// in a shared state, so an abandoned thread never touches a Worker that is gone.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <system_error>
#include <thread>
#include <type_traits>
#include <utility>

#include "probes/common/bounded.hpp"

namespace capprobe::probes {

class Worker {
 public:
  Worker() = default;
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;
  ~Worker() { retire(); }

  // Runs `step` on the worker's thread and waits at most `limit` for its answer; the same
  // answer as run_bounded(limit, step).
  template <class Step>
  auto run(std::chrono::milliseconds limit, Step step) -> Bounded<std::invoke_result_t<Step&>> {
    using T = std::invoke_result_t<Step&>;
    Bounded<T> bounded;
    if (limit.count() <= 0) {
      bounded.failure = "out of time";  // starting it would only let it run on unwatched
      return bounded;
    }
    struct Answer {
      std::optional<T> value;
      std::exception_ptr thrown;
      bool done = false;
    };
    auto answer = std::make_shared<Answer>();
    auto line = line_for_next_step(bounded.failure);
    if (!line) return bounded;
    {
      std::lock_guard lock(line->mutex);
      line->steps.push_back([line_ptr = line.get(), answer, step = std::move(step)]() mutable {
        std::optional<T> value;
        std::exception_ptr thrown;
        try {
          value.emplace(step());
        } catch (...) {
          thrown = std::current_exception();
        }
        // The line outlives this call: the thread that runs it holds it.
        std::lock_guard done_lock(line_ptr->mutex);
        answer->value = std::move(value);
        answer->thrown = thrown;
        answer->done = true;
        line_ptr->answered.notify_all();
      });
    }
    line->ready.notify_one();
    std::unique_lock lock(line->mutex);
    if (!line->answered.wait_for(lock, limit, [&] { return answer->done; })) {
      // The step is stuck (a hung filesystem, usually): leave the thread to it.
      line->retired = true;
      line_.reset();
      bounded.timed_out = true;
      return bounded;
    }
    if (answer->thrown) std::rethrow_exception(answer->thrown);
    bounded.value = std::move(answer->value);
    return bounded;
  }

 private:
  // What the Worker and its thread share.
  struct Line {
    std::mutex mutex;
    std::condition_variable ready;     // a step was queued, or the line retired
    std::condition_variable answered;  // a step finished
    std::deque<std::function<void()>> steps;
    bool retired = false;  // no more steps will come: the thread ends when it is idle
  };

  // The current line, or a new one with a thread of its own; null (and `failure` set) when no
  // thread can be started (EAGAIN under a pids limit).
  std::shared_ptr<Line> line_for_next_step(std::string& failure) {
    if (line_) return line_;
    auto line = std::make_shared<Line>();
    try {
      std::thread([line] {
        std::unique_lock lock(line->mutex);
        for (;;) {
          line->ready.wait(lock, [&] { return line->retired || !line->steps.empty(); });
          if (line->steps.empty()) return;  // retired and idle
          auto step = std::move(line->steps.front());
          line->steps.pop_front();
          lock.unlock();
          step();
          lock.lock();
        }
      }).detach();
    } catch (const std::system_error& error) {
      failure = std::string("could not start a thread: ") + error.what();
      return nullptr;
    }
    line_ = line;
    return line_;
  }

  void retire() {
    if (!line_) return;
    {
      std::lock_guard lock(line_->mutex);
      line_->retired = true;
    }
    line_->ready.notify_one();
    line_.reset();
  }

  std::shared_ptr<Line> line_;
};

}  // namespace capprobe::probes
