// resources.memory_limit: the configured memory limit (a cgroup's on Linux, a job object's commit
// limit on Windows) and, when it is safe, a bounded allocation in a child process that shows
// whether and where the limit bites. The safety gates and the verdict are pure functions of
// OS-neutral facts so that the tests can walk every outcome; each OS's collector
// (memory_limit_linux.cpp, memory_limit_windows.cpp) gathers them.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "platform/platform.hpp"
#include "probes/probe.hpp"
#include "probes/result.hpp"

namespace capprobe::probes {

inline constexpr std::uint64_t kMiB = 1ull << 20;
inline constexpr std::uint64_t kTrialStep = 16 * kMiB;
inline constexpr std::uint64_t kTrialMargin = 2 * kTrialStep;  // how far past the limit to go
inline constexpr std::chrono::milliseconds kTrialTimeout{8000};

// How an OS names where its memory limit lives, so that one judge words the verdict of both.
// Each collector supplies its own (linux_memory_terms(), windows_memory_terms()).
struct MemoryTerms {
  std::string place;       // "the cgroups", "the job object"
  std::string own_place;   // "this process's cgroups", "this process's job object"
  std::string holder;      // what says a figure: "the cgroup", "the job object"
  std::string usage;       // what the limit already counts: "cgroup usage", "job commit"
  std::string available;   // what the node can still give: "MemAvailable"
  std::string soft_limit;  // a limit that throttles, never fails: "memory.high"; "" when none
};

struct MemoryFacts {
  std::optional<std::uint64_t> limit_bytes;  // configured, nullopt = none visible
  // What the limit already counts before the child starts (Linux: the limiting cgroup's usage;
  // Windows: the job's commit when the job-wide limit binds, 0 when the per-process one does).
  std::optional<std::uint64_t> usage_bytes;
  std::optional<std::uint64_t> soft_limit_bytes;  // throttles, never kills (Linux memory.high)
  // Why crossing the limit could hurt more than the child (Linux: memory.oom.group would kill the
  // whole container, oom_kill_disable would freeze the cgroup, or neither could be read); then
  // only an approach below the limit runs. nullopt: crossing it costs the child alone.
  std::optional<std::string> crossing_unsafe;
  std::optional<std::uint64_t> mem_available;  // what the node can still give (terms.available)
  // Whether the child gets an address-space backstop above what it inherits (Linux RLIMIT_AS over
  // this process's VmSize, `vm_size`, which is then required). Windows has none to set: the
  // child's own stop and the job's commit limit bound it.
  bool address_space_backstop = false;
  std::optional<std::uint64_t> vm_size;          // this process's address space (VmSize)
  bool swap_possible = false;                    // the excess may be paged out, not refused
  std::optional<std::uint64_t> requested_bytes;  // resources.limits.memory
  bool quick = false;
  // Why a limit may apply that cannot be read (cgroup not located, limit files denied, the job
  // object not queryable); empty when everything was read.
  std::string limit_unseen;
  MemoryTerms terms;  // the OS's words; the judge requires them
};

// What the gates decided: no trial (with the outcome word and why), or the trial to run.
struct MemoryPlan {
  std::string outcome;  // "not_run", "skipped_unsafe", "approach_only", or "" = full trial
  std::string reason;
  std::optional<platform::MemoryTrialPlan> trial;  // set for the full trial and an approach
};

// The gates, in order: --quick; no limit; a backstop without its base -> skipped_unsafe;
// crossing unsafe -> approach only, up to limit - usage - margin; the amount to allocate above 50%
// of what the node can give -> skipped_unsafe; otherwise the full trial to limit + margin, with
// an RLIMIT_AS backstop where the OS has one.
MemoryPlan plan_memory_trial(const MemoryFacts& facts);

struct TrialReport {
  std::optional<platform::MemoryTrialOutcome> outcome;  // nullopt when the trial could not run
  std::string error;                                    // the platform error then
  std::optional<std::uint64_t> oom_kill_before;         // the OOM killer's count, where one is kept
  std::optional<std::uint64_t> oom_kill_after;
};

// Sets status, observed, summary and evidence "outcome"/"reached_bytes" of `result` from the plan
// and what the trial did (`requested` must already be set). Throws std::logic_error when
// facts.terms is empty (a collector that forgot its OS's words).
void judge_memory_limit(const MemoryFacts& facts, const MemoryPlan& plan, const TrialReport& trial,
                        CapabilityResult& result);

// The catalog entry, the same on every OS.
ProbeInfo resources_memory_limit_info();

}  // namespace capprobe::probes
