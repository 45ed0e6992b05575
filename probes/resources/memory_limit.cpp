// resources.memory_limit: reads the configured limit, decides through the safety gates whether a
// child may allocate past it, runs the bounded trial and judges where the limit bit.
#include "probes/resources/memory_limit.hpp"

#include "platform/linux_facts.hpp"
#include "probes/common/json.hpp"
#include "probes/common/judge.hpp"
#include "probes/resources/cgroup.hpp"

namespace capprobe::probes {
namespace {

constexpr std::string_view kField = "resources.limits.memory";

std::string mib(std::uint64_t bytes) {
  return std::to_string((bytes + kMiB / 2) / kMiB) + " MiB";
}

std::string limit_text(const MemoryFacts& facts) {
  return facts.limit_bytes ? "the limit of " + mib(*facts.limit_bytes) : "no limit";
}

// The pod spec and the cgroup disagree: worth saying whatever the verdict.
std::string differs(const MemoryFacts& facts) {
  if (!facts.requested_bytes || !facts.limit_bytes) return "";
  const auto requested = *facts.requested_bytes, limit = *facts.limit_bytes;
  const auto gap = requested > limit ? requested - limit : limit - requested;
  if (gap <= requested / 100) return "";
  return " (the pod spec requested " + mib(requested) + ", the cgroup says " + mib(limit) + ")";
}

platform::MemoryTrialPlan make_plan(std::uint64_t stop_at, std::uint64_t vm_size) {
  platform::MemoryTrialPlan plan;
  plan.stop_at_bytes = stop_at;
  plan.step_bytes = kTrialStep;
  // The child inherits this process's address space, so the backstop sits above it.
  plan.address_space_limit = vm_size + stop_at + 2 * kTrialStep;
  plan.timeout = kTrialTimeout;
  return plan;
}

void judge_approach(const MemoryFacts& facts, const MemoryPlan& plan, const TrialReport& trial,
                    CapabilityResult& result) {
  const std::string why =
      facts.oom_group ? "memory.oom.group is 1, so an OOM kill would take the whole container, "
                        "capprobe included"
      : facts.oom_kill_disabled
          ? "the OOM killer is disabled for this cgroup, so crossing the limit would freeze the "
            "whole cgroup, capprobe included"
          : "whether an OOM kill would take the whole container (or freeze it) cannot be read (" +
                facts.oom_policy_unseen + ")";
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
  if (!facts.vm_size)
    return {"skipped_unsafe",
            "this process's VmSize is unknown, so no RLIMIT_AS backstop can be set", std::nullopt};
  const auto half_available = facts.mem_available ? *facts.mem_available / 2 : 0;

  if (facts.oom_group || facts.oom_kill_disabled || !facts.oom_policy_unseen.empty()) {
    if (!facts.usage_bytes)
      return {"approach_only", "the cgroup's usage is unknown, so no safe amount exists",
              std::nullopt};
    const auto room = limit > *facts.usage_bytes ? limit - *facts.usage_bytes : 0;
    if (room <= kTrialMargin + kTrialStep)
      return {"approach_only", "only " + mib(room) + " is left below it", std::nullopt};
    const auto target = room - kTrialMargin;
    if (target > half_available)
      return {"skipped_unsafe",
              "allocating " + mib(target) + " would take more than half of MemAvailable (" +
                  (facts.mem_available ? mib(*facts.mem_available) : "unknown") + ")",
              std::nullopt};
    return {"approach_only", "allocating up to " + mib(target) + ", a margin below the limit",
            make_plan(target, *facts.vm_size)};
  }

  const auto stop_at = limit + kTrialMargin;
  if (stop_at > half_available)
    return {"skipped_unsafe",
            mib(limit) + " + " + mib(kTrialMargin) + " margin is more than half of MemAvailable (" +
                (facts.mem_available ? mib(*facts.mem_available) : "unknown") + ")",
            std::nullopt};
  return {"", "allocating in a child until the limit stops it, at most " + mib(stop_at),
          make_plan(stop_at, *facts.vm_size)};
}

void judge_memory_limit(const MemoryFacts& facts, const MemoryPlan& plan, const TrialReport& trial,
                        CapabilityResult& result) {
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
                     ? std::string("no memory limit visible in the cgroups")
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
                   "no memory limit is configured in this process's cgroups (" +
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
  const std::string figures = "the child held " + mib(reached) + ", " + limit_text(facts) +
                              ", cgroup usage before " +
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
      if (facts.high_bytes && *facts.high_bytes < limit) {
        set_verdict(result, Status::untested, "throttled",
                    "the allocation trial was throttled by memory.high (" + mib(*facts.high_bytes) +
                        ") and did not reach the limit within " +
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

namespace {

bool swap_possible(const cgroup::MemoryConfig& config, std::optional<std::uint64_t> swap_total) {
  if (!swap_total || *swap_total == 0) return false;
  if (!config.swap_limit) return true;
  const auto swap = cgroup::parse_byte_limit(*config.swap_limit);
  if (config.hierarchy == "cgroup_v2")
    return !(swap.kind == cgroup::LimitKind::limited && swap.bytes == 0);
  // v1 memsw.limit_in_bytes bounds memory + swap: no swap room when it equals the memory limit.
  if (swap.kind != cgroup::LimitKind::limited || !config.limit_bytes) return true;
  return swap.bytes > *config.limit_bytes;
}

CapabilityResult run(ProbeContext& ctx) {
  CapabilityResult result;
  result.id = "resources.memory_limit";
  const auto& requests = ctx.requests;
  result.requested = requested_when(requests.memory_limit_bytes.has_value(), requests);

  const auto discovery = cgroup::discover(ctx.os);
  const auto config = cgroup::read_memory_config(ctx.os, discovery);
  const auto meminfo = platform::linux_facts(ctx.os).read_file("/proc/meminfo", 64 << 10);
  const auto status = read_proc_status(ctx.os);

  MemoryFacts facts;
  facts.limit_bytes = config.limit_bytes;
  facts.usage_bytes = config.usage_bytes;
  facts.high_bytes = config.high_bytes;
  facts.oom_group = config.oom_group;
  facts.oom_kill_disabled = config.oom_kill_disabled;
  facts.oom_policy_unseen = config.oom_policy_unseen.value_or("");
  facts.requested_bytes = requests.memory_limit_bytes;
  facts.quick = ctx.quick;
  std::optional<std::uint64_t> swap_total;
  if (meminfo) {
    facts.mem_available = kib_field(meminfo.value(), "MemAvailable");
    swap_total = kib_field(meminfo.value(), "SwapTotal");
  }
  if (status) facts.vm_size = status.value().vm_size_bytes;
  facts.swap_possible = swap_possible(config, swap_total);
  // A hidden file next to a limit that was read (memory.high, a counter) hides no limit.
  if (config.unlocated || !config.limit_bytes) facts.limit_unseen = config.unseen();

  auto& evidence = result.evidence;
  evidence["limit_bytes"] = json_or_null(config.limit_bytes);
  evidence["limit_source"] = config.limit_bytes ? config.hierarchy : "none";
  evidence["limiting_cgroup"] = json_or_null(config.limiting);
  evidence["usage_bytes"] = json_or_null(config.usage_bytes);
  evidence["high_bytes"] = json_or_null(config.high_bytes);
  evidence["oom_kill_before"] = json_or_null(config.oom_kill);
  evidence["oom_kill_after"] = nullptr;
  evidence["oom_events"] = json_or_null(config.oom);
  evidence["oom_group"] =
      config.hierarchy == "cgroup_v2" ? nlohmann::json(config.oom_group) : nullptr;
  evidence["oom_kill_disabled"] = config.oom_kill_disabled;
  evidence["oom_policy_unseen"] = json_or_null(config.oom_policy_unseen);
  evidence["mem_available_bytes"] = json_or_null(facts.mem_available);
  evidence["swap_total_bytes"] = json_or_null(swap_total);
  evidence["swap_limit"] = json_or_null(config.swap_limit);
  evidence["vm_size_bytes"] = json_or_null(facts.vm_size);
  evidence["requested_limit_bytes"] = json_or_null(requests.memory_limit_bytes);
  if (!meminfo) evidence["meminfo_errno"] = meminfo.error().name;
  evidence["cgroup"] = discovery.to_json();
  add_cgroup_evidence(evidence, config);

  const auto plan = plan_memory_trial(facts);
  evidence["plan"] = nullptr;
  if (plan.trial)
    evidence["plan"] = {{"stop_at_bytes", plan.trial->stop_at_bytes},
                        {"step_bytes", plan.trial->step_bytes},
                        {"address_space_limit", plan.trial->address_space_limit},
                        {"timeout_ms", plan.trial->timeout.count()},
                        {"mode", plan.outcome.empty() ? "cross_limit" : "approach"}};
  evidence["plan_reason"] = plan.reason;

  TrialReport trial;
  trial.oom_kill_before = config.oom_kill;
  if (plan.trial) {
    const auto outcome = ctx.os.run_memory_trial(*plan.trial);
    trial.oom_kill_after = cgroup::read_oom_kill(ctx.os, config);
    evidence["oom_kill_after"] = json_or_null(trial.oom_kill_after);
    if (outcome) {
      trial.outcome = outcome.value();
      const auto& done = outcome.value();
      static const char* const kEnds[] = {"reached_target", "killed", "alloc_failed", "timed_out"};
      evidence["trial"] = {{"end", kEnds[static_cast<int>(done.end)]},
                           {"signal", done.signal},
                           {"reached_bytes", done.reached_bytes},
                           {"elapsed_ms", done.elapsed.count()},
                           {"detail", done.detail}};
    } else {
      trial.error = outcome.error().describe();
      evidence["trial_errno"] = outcome.error().name;
    }
  }
  judge_memory_limit(facts, plan, trial, result);
  return result;
}

}  // namespace

Probe resources_memory_limit_linux_probe() {
  return {{.id = "resources.memory_limit",
           .title = "Memory limit: configured and enforced",
           .pod_spec_field = "resources.limits.memory",
           .scope = SpecScope::container,
           .platforms = {"linux"},
           .cost = Cost::heavy,
           .timeout = std::chrono::milliseconds(10000)},
          run};
}

}  // namespace capprobe::probes
