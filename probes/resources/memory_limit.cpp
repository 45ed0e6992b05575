// resources.memory_limit: the safety gates, the trial plan and the verdict over the OS-neutral
// facts, and the catalog entry. The collectors that read the limit and run the child are
// memory_limit_linux.cpp and memory_limit_windows.cpp.
#include "probes/resources/memory_limit.hpp"

#include <stdexcept>

#include "probes/common/json.hpp"
#include "probes/common/judge.hpp"

namespace capprobe::probes {
namespace {

constexpr std::string_view kField = "resources.limits.memory";

std::string mib(std::uint64_t bytes) {
  return std::to_string((bytes + kMiB / 2) / kMiB) + " MiB";
}

std::string limit_text(const MemoryFacts& facts) {
  return facts.limit_bytes ? "the limit of " + mib(*facts.limit_bytes) : "no limit";
}

// The pod spec and the configured limit disagree: worth saying whatever the verdict.
std::string differs(const MemoryFacts& facts) {
  if (!facts.requested_bytes || !facts.limit_bytes) return "";
  const auto requested = *facts.requested_bytes, limit = *facts.limit_bytes;
  const auto gap = requested > limit ? requested - limit : limit - requested;
  if (gap <= requested / 100) return "";
  return " (the pod spec requested " + mib(requested) + ", " + facts.terms.holder + " says " +
         mib(limit) + ")";
}

platform::MemoryTrialPlan make_plan(std::uint64_t stop_at, const MemoryFacts& facts) {
  platform::MemoryTrialPlan plan;
  plan.stop_at_bytes = stop_at;
  plan.step_bytes = kTrialStep;
  // The child inherits this process's address space, so the backstop sits above it. Without
  // one (Windows) the plan carries 0: the child's own stop and the limit bound it.
  plan.address_space_limit =
      facts.address_space_backstop ? *facts.vm_size + stop_at + 2 * kTrialStep : 0;
  plan.timeout = kTrialTimeout;
  return plan;
}

void judge_approach(const MemoryFacts& facts, const MemoryPlan& plan, const TrialReport& trial,
                    CapabilityResult& result) {
  const std::string why = facts.crossing_unsafe.value_or("crossing the limit is not safe here");
  if (!plan.trial) {
    set_verdict(result, Status::untested, "approach_only",
                "the limit of " + mib(*facts.limit_bytes) + " was not crossed because " + why +
                    "; " + plan.reason + differs(facts));
    return;
  }
  if (!trial.outcome) {
    set_verdict(result, Status::error, "error",
                "the approach allocation could not run: " + trial.error);
    return;
  }
  const auto& outcome = *trial.outcome;
  result.evidence["reached_bytes"] = outcome.reached_bytes;
  if (outcome.end == platform::MemoryTrialEnd::reached_target) {
    set_verdict(result, Status::untested, "approach_only",
                "a child allocated " + mib(outcome.reached_bytes) + " without crossing " +
                    limit_text(facts) + " (usage " +
                    (facts.usage_bytes ? mib(*facts.usage_bytes) : "?") +
                    "); the limit itself was not crossed because " + why + differs(facts));
    return;
  }
  set_verdict(
      result, Status::untested, "approach_only",
      "the approach allocation stopped early at " + mib(outcome.reached_bytes) + " (" +
          (outcome.detail.empty() ? "signal " + std::to_string(outcome.signal) : outcome.detail) +
          "), below " + limit_text(facts) + "; the limit was not crossed because " + why +
          differs(facts));
}

}  // namespace

MemoryPlan plan_memory_trial(const MemoryFacts& facts) {
  if (facts.quick) return {"not_run", "allocation skipped by --quick", std::nullopt};
  if (!facts.limit_bytes) return {"not_run", "no memory limit is visible", std::nullopt};
  const auto limit = *facts.limit_bytes;
  if (facts.address_space_backstop && !facts.vm_size)
    return {"skipped_unsafe",
            "this process's VmSize is unknown, so no RLIMIT_AS backstop can be set", std::nullopt};
  const auto half_available = facts.mem_available ? *facts.mem_available / 2 : 0;

  if (facts.crossing_unsafe) {
    if (!facts.usage_bytes)
      return {"approach_only", "the cgroup's usage is unknown, so no safe amount exists",
              std::nullopt};
    const auto room = limit > *facts.usage_bytes ? limit - *facts.usage_bytes : 0;
    if (room <= kTrialMargin + kTrialStep)
      return {"approach_only", "only " + mib(room) + " is left below it", std::nullopt};
    const auto target = room - kTrialMargin;
    if (target > half_available)
      return {"skipped_unsafe",
              "allocating " + mib(target) + " would take more than half of " +
                  facts.terms.available + " (" +
                  (facts.mem_available ? mib(*facts.mem_available) : "unknown") + ")",
              std::nullopt};
    return {"approach_only", "allocating up to " + mib(target) + ", a margin below the limit",
            make_plan(target, facts)};
  }

  const auto stop_at = limit + kTrialMargin;
  if (stop_at > half_available)
    return {"skipped_unsafe",
            mib(limit) + " + " + mib(kTrialMargin) + " margin is more than half of " +
                facts.terms.available + " (" +
                (facts.mem_available ? mib(*facts.mem_available) : "unknown") + ")",
            std::nullopt};
  return {"", "allocating in a child until the limit stops it, at most " + mib(stop_at),
          make_plan(stop_at, facts)};
}

void judge_memory_limit(const MemoryFacts& facts, const MemoryPlan& plan, const TrialReport& trial,
                        CapabilityResult& result) {
  if (facts.terms.place.empty() || facts.terms.usage.empty() || facts.terms.available.empty())
    throw std::logic_error("judge_memory_limit: the collector gave no words for its OS's limit");
  auto& evidence = result.evidence;
  // `outcome` takes only the words of DESIGN.md. A trial that ended without showing anything
  // about the limit (a timeout, a signal other than SIGKILL) is reported as "not_run", with what
  // really happened in evidence "trial" and the summary.
  evidence["outcome"] = plan.outcome.empty() ? "not_run" : plan.outcome;
  evidence["reached_bytes"] = nullptr;

  if (plan.outcome == "not_run") {
    if (facts.quick) {
      std::string summary = "allocation skipped by --quick; ";
      summary += facts.limit_bytes ? "configured limit " + mib(*facts.limit_bytes) + differs(facts)
                 : facts.limit_unseen.empty()
                     ? "no memory limit visible in " + facts.terms.place
                     : "no memory limit could be read (" + facts.limit_unseen + ")";
      if (!facts.limit_bytes && facts.requested_bytes)
        summary += " although " + mib(*facts.requested_bytes) + " was requested";
      set_verdict(result, Status::untested, facts.limit_bytes ? "configured" : "not_measured",
                  summary);
      return;
    }
    if (!facts.limit_unseen.empty()) {
      // A limit may exist; neither "nothing to enforce" nor "ignored" can be claimed.
      set_verdict(result, Status::untested, "unknown",
                  "the memory limit cannot be read, so nothing was tested: " + facts.limit_unseen);
      return;
    }
    result.observed = "no_limit";
    if (result.requested.value_or(false)) {
      mark_ignored(result, kField,
                   "no memory limit is configured in " + facts.terms.own_place + " (" +
                       (facts.requested_bytes ? mib(*facts.requested_bytes) : "a limit") +
                       " was requested)");
      return;
    }
    set_verdict(result, Status::untested, "no_limit",
                std::string("no memory limit is configured, so there is nothing to enforce; ") +
                    (result.requested.has_value() ? "none was requested"
                                                  : "whether one was requested is unknown"));
    return;
  }
  if (plan.outcome == "skipped_unsafe") {
    set_verdict(result, Status::untested, "skipped_unsafe",
                "the allocation test was skipped to protect the node: " + plan.reason +
                    "; configured " + limit_text(facts) + differs(facts));
    return;
  }
  if (plan.outcome == "approach_only") return judge_approach(facts, plan, trial, result);

  // The full trial.
  const auto limit = *facts.limit_bytes;
  if (!trial.outcome) {
    evidence["outcome"] = "not_run";
    set_verdict(result, Status::error, "error",
                "the allocation trial could not run: " + trial.error);
    return;
  }
  const auto& outcome = *trial.outcome;
  const auto reached = outcome.reached_bytes;
  evidence["reached_bytes"] = reached;
  const auto usage = facts.usage_bytes.value_or(0);
  // The child can hold about limit - usage before the limit bites; it reports whole steps.
  const bool near = reached + usage + 2 * kTrialStep >= limit && reached <= limit + kTrialMargin;
  const bool counted = trial.oom_kill_before && trial.oom_kill_after;
  const auto oom_kills = counted && *trial.oom_kill_after >= *trial.oom_kill_before
                             ? *trial.oom_kill_after - *trial.oom_kill_before
                             : 0;
  const std::string figures = "the child held " + mib(reached) + ", " + limit_text(facts) + ", " +
                              facts.terms.usage + " before " +
                              (facts.usage_bytes ? mib(*facts.usage_bytes) : "unknown") +
                              (counted ? ", oom_kill +" + std::to_string(oom_kills) : "");

  switch (outcome.end) {
    case platform::MemoryTrialEnd::killed: {
      if (outcome.signal != 9) {
        evidence["outcome"] = "not_run";
        set_verdict(result, Status::error, "error",
                    "the allocating child died of signal " + std::to_string(outcome.signal) + ": " +
                        figures);
        return;
      }
      evidence["outcome"] = "oom_killed";
      if (near || oom_kills > 0) {
        std::string summary = "the limit is enforced by the OOM killer: " + figures;
        if (counted && oom_kills == 0)
          summary +=
              " (the oom_kill counter did not move: the kill came from a cgroup we cannot see)";
        if (!near) summary += " (earlier than the limit: other usage in the cgroup grew)";
        set_verdict(result, Status::supported, "enforced", summary + differs(facts));
        return;
      }
      set_verdict(
          result, Status::untested, "inconclusive",
          "the child was killed well below the limit, not by this cgroup's OOM killer (node memory "
          "pressure?): " +
              figures + differs(facts));
      return;
    }
    case platform::MemoryTrialEnd::alloc_failed:
      if (reached > limit) break;  // it held more than the limit before failing: not enforced
      evidence["outcome"] = "alloc_failed";
      if (near) {
        set_verdict(result, Status::supported, "enforced",
                    "the limit is enforced by allocation failure (" + outcome.detail +
                        "): " + figures + differs(facts));
        return;
      }
      set_verdict(result, Status::untested, "inconclusive",
                  "allocation failed (" + outcome.detail + ") well below the limit: " + figures +
                      differs(facts));
      return;
    case platform::MemoryTrialEnd::timed_out:
      evidence["outcome"] = "not_run";
      if (facts.soft_limit_bytes && *facts.soft_limit_bytes < limit) {
        set_verdict(result, Status::untested, "throttled",
                    "the allocation trial was throttled by " + facts.terms.soft_limit + " (" +
                        mib(*facts.soft_limit_bytes) + ") and did not reach the limit within " +
                        std::to_string(kTrialTimeout.count()) + " ms: " + figures + differs(facts));
        return;
      }
      set_verdict(result, Status::error, "timed_out",
                  "the allocation trial did not finish within " +
                      std::to_string(kTrialTimeout.count()) +
                      " ms (reclaim or swap thrashing?): " + figures + differs(facts));
      return;
    case platform::MemoryTrialEnd::reached_target:
      break;
  }
  evidence["outcome"] = "not_enforced";
  if (facts.swap_possible) {
    set_verdict(
        result, Status::untested, "swapping",
        "the child held more than the limit, but swap is available to this cgroup, so the excess "
        "may have been swapped out rather than the limit ignored: " +
            figures + differs(facts));
    return;
  }
  result.observed = "not_enforced";
  if (result.requested.value_or(false)) {
    mark_ignored(result, kField, figures + differs(facts));
    return;
  }
  set_verdict(result, Status::unsupported, "not_enforced",
              "the memory limit is not enforced: " + figures + differs(facts));
}

ProbeInfo resources_memory_limit_info() {
  return {.id = "resources.memory_limit",
          .title = "Memory limit: configured and enforced",
          .pod_spec_field = "resources.limits.memory",
          .scope = SpecScope::container,
          .platforms = {"linux", "windows"},
          .cost = Cost::heavy,
          .timeout = std::chrono::milliseconds(10000)};
}

}  // namespace capprobe::probes
