// The two deliberate resource tests on Windows: the CPU burn (threads pinned one per allowed CPU,
// their own CPU time against the wall time) and the memory trial (a child of this same
// executable, which catch_main_windows.cpp hands to the platform). Only shapes here: timing
// claims belong where a busy machine is tolerated (issue 9: a unit test of the Linux burn was
// flaky for that), and the job's limits are job_test.cpp's.
#include <windows.h>

#include <catch2/catch.hpp>

#include "platform/make_platform.hpp"
#include "platform/windows/windows_platform.hpp"

using namespace capprobe::platform;
using namespace std::chrono_literals;

namespace {

constexpr std::uint64_t kMiB = 1ull << 20;
// GetThreadTimes advances on the clock tick: each thread's time may be one tick ahead.
constexpr auto kTick = 16ms;

}  // namespace

TEST_CASE("burn_cpu: one thread per allowed CPU, the CPU time no more than the wall time allows") {
  WindowsPlatform os;
  const auto cpus = static_cast<int>(os.allowed_cpus().value().size());
  const auto burn = os.burn_cpu(cpus, 200ms);
  REQUIRE(burn.ok());
  const auto& sample = burn.value();
  CHECK(sample.threads == cpus);
  CHECK(sample.wall >= 200ms);
  CHECK(sample.cpu > 0ns);
  CHECK(sample.cpu <= sample.wall * cpus + kTick * cpus);
}

TEST_CASE("burn_cpu: more threads than CPUs run unpinned, and a duration below 0 is none") {
  WindowsPlatform os;
  const auto cpus = static_cast<int>(os.allowed_cpus().value().size());
  const auto burn = os.burn_cpu(cpus + 1, 50ms);
  REQUIRE(burn.ok());
  CHECK(burn.value().threads == cpus + 1);
  CHECK(burn.value().cpu <= burn.value().wall * (cpus + 1) + kTick * (cpus + 1));
  const auto none = os.burn_cpu(0, -5ms);  // clamped: one thread, no time
  REQUIRE(none.ok());
  CHECK(none.value().threads == 1);
  CHECK(none.value().wall < 1000ms);
}

TEST_CASE("run_memory_trial: the child commits and touches a small target and says so") {
  MemoryTrialPlan plan;
  plan.stop_at_bytes = 24 * kMiB;
  plan.step_bytes = 8 * kMiB;
  plan.timeout = 60'000ms;
  const auto trial = WindowsPlatform().run_memory_trial(plan);
  REQUIRE(trial.ok());
  INFO(trial.value().detail);
  CHECK(trial.value().end == MemoryTrialEnd::reached_target);
  CHECK(trial.value().reached_bytes == 24 * kMiB);
  CHECK(trial.value().signal == 0);
}

TEST_CASE("run_memory_trial: a commit no machine grants ends the child as alloc_failed, by name") {
  MemoryTrialPlan plan;
  // 256 TiB in one step: beyond any x64 user address space, so refused everywhere, and never a
  // page of it touched.
  plan.stop_at_bytes = 1ull << 48;
  plan.step_bytes = 1ull << 48;
  plan.timeout = 60'000ms;
  const auto trial = WindowsPlatform().run_memory_trial(plan);
  REQUIRE(trial.ok());
  CHECK(trial.value().end == MemoryTrialEnd::alloc_failed);
  CHECK(trial.value().reached_bytes == 0);
  // ERROR_INVALID_PARAMETER under Wine; ERROR_NOT_ENOUGH_MEMORY or ERROR_COMMITMENT_LIMIT on
  // Windows.
  CHECK(trial.value().detail.rfind("ERROR_", 0) == 0);
}

TEST_CASE("run_memory_trial: a child still running at the timeout is terminated, timed_out") {
  MemoryTrialPlan plan;
  plan.stop_at_bytes = 1ull << 40;
  plan.step_bytes = 1 * kMiB;
  plan.timeout = 0ms;  // terminated at the first look, before it can commit much
  const auto trial = WindowsPlatform().run_memory_trial(plan);
  REQUIRE(trial.ok());
  CHECK(trial.value().end == MemoryTrialEnd::timed_out);
  CHECK(trial.value().detail == "terminated at the 0 ms timeout");
}

TEST_CASE("run_memory_trial: a plan it cannot carry out is refused before any child starts") {
  WindowsPlatform os;
  MemoryTrialPlan no_step;
  no_step.step_bytes = 0;
  CHECK(os.run_memory_trial(no_step).error().name == "ERROR_INVALID_PARAMETER");
  MemoryTrialPlan backstop;
  backstop.stop_at_bytes = kMiB;
  backstop.address_space_limit = 64 * kMiB;  // RLIMIT_AS has no Windows counterpart
  const auto refused = os.run_memory_trial(backstop);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().name == "ERROR_NOT_SUPPORTED");
}

TEST_CASE("run_internal_child_if_asked: -1 for an ordinary command line") {
  char program[] = "unit_platform_windows.exe";
  char argument[] = "--list-tests";
  char* argv[] = {program, argument, nullptr};
  CHECK(run_internal_child_if_asked(2, argv) == -1);
  CHECK(run_internal_child_if_asked(1, argv) == -1);
}
