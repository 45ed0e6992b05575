// resources.memory_limit: the configured memory limit and, when it is safe, a bounded allocation
// in a child process that shows whether and where the limit bites. The safety gates and the
// verdict are pure functions so that the tests can walk every outcome.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "platform/platform.hpp"
#include "probes/common/proc_status.hpp"
#include "probes/probe.hpp"
#include "probes/result.hpp"

namespace capprobe::probes {

inline constexpr std::uint64_t kMiB = 1ull << 20;
inline constexpr std::uint64_t kTrialStep = 16 * kMiB;
inline constexpr std::uint64_t kTrialMargin = 2 * kTrialStep;  // how far past the limit to go
inline constexpr std::chrono::milliseconds kTrialTimeout{8000};

struct MemoryFacts {
  std::optional<std::uint64_t> limit_bytes;  // configured, nullopt = none visible
  std::optional<std::uint64_t> usage_bytes;  // of the limiting cgroup
  std::optional<std::uint64_t> high_bytes;   // v2 memory.high: throttles, never kills
  bool oom_group = false;                    // v2 memory.oom.group = 1 somewhere visible
  bool oom_kill_disabled = false;            // v1 oom_kill_disable = 1
  std::string oom_policy_unseen;  // why neither could be read ("path: EACCES"); empty when read
  std::optional<std::uint64_t> mem_available;    // /proc/meminfo MemAvailable
  std::optional<std::uint64_t> vm_size;          // /proc/self/status VmSize of this process
  bool swap_possible = false;                    // swap exists and the cgroup may use it
  std::optional<std::uint64_t> requested_bytes;  // resources.limits.memory
  bool quick = false;
  // Why a limit may apply that cannot be read (cgroup not located, limit files denied); empty
  // when every level was read.
  std::string limit_unseen;
};

// What the gates decided: no trial (with the outcome word and why), or the trial to run.
struct MemoryPlan {
  std::string outcome;  // "not_run", "skipped_unsafe", "approach_only", or "" = full trial
  std::string reason;
  std::optional<platform::MemoryTrialPlan> trial;  // set for the full trial and an approach
};

// The gates, in order: --quick; no limit; oom.group or oom_kill_disable set, or unreadable ->
// approach only, up to limit - usage - margin; the amount to allocate above 50% of MemAvailable ->
// skipped_unsafe; otherwise the full trial to limit + margin with an RLIMIT_AS backstop.
MemoryPlan plan_memory_trial(const MemoryFacts& facts);

struct TrialReport {
  std::optional<platform::MemoryTrialOutcome> outcome;  // nullopt when the trial could not run
  std::string error;                                    // the platform error then
  std::optional<std::uint64_t> oom_kill_before;
  std::optional<std::uint64_t> oom_kill_after;
};

// Sets status, observed, summary and evidence "outcome"/"reached_bytes" of `result` from the plan
// and what the trial did (`requested` must already be set).
void judge_memory_limit(const MemoryFacts& facts, const MemoryPlan& plan, const TrialReport& trial,
                        CapabilityResult& result);

}  // namespace capprobe::probes
