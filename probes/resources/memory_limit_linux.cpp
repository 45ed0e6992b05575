// resources.memory_limit on Linux: reads the cgroup's limit, usage, OOM policy and swap room, the
// node's MemAvailable and this process's VmSize, runs the planned child and re-reads the oom_kill
// counter, then hands everything to the judge (memory_limit.cpp).
#include "probes/resources/memory_limit_linux.hpp"
#include "platform/linux_facts.hpp"
#include "probes/common/json.hpp"
#include "probes/common/judge.hpp"
#include "probes/probe_list.hpp"
#include "probes/resources/cgroup_linux.hpp"
#include "probes/round_reads.hpp"

namespace capprobe::probes {

MemoryTerms linux_memory_terms() {
  MemoryTerms terms;
  terms.place = "the cgroups";
  terms.own_place = "this process's cgroups";
  terms.holder = "the cgroup";
  terms.usage = "cgroup usage";
  terms.available = "MemAvailable";
  terms.soft_limit = "memory.high";
  return terms;
}

std::optional<std::string> linux_crossing_risk(bool oom_group, bool oom_kill_disabled,
                                               const std::string& policy_unseen) {
  if (oom_group)
    return "memory.oom.group is 1, so an OOM kill would take the whole container, capprobe "
           "included";
  if (oom_kill_disabled)
    return "the OOM killer is disabled for this cgroup, so crossing the limit would freeze the "
           "whole cgroup, capprobe included";
  if (!policy_unseen.empty())
    return "whether an OOM kill would take the whole container (or freeze it) cannot be read (" +
           policy_unseen + ")";
  return std::nullopt;
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

  const auto discovery = cgroup::discover(ctx.os, mounts_of(ctx));
  const auto config = cgroup::read_memory_config(ctx.os, discovery);
  const auto meminfo = platform::linux_facts(ctx.os).read_file("/proc/meminfo", 64 << 10);
  const auto status = read_proc_status(ctx.os);

  MemoryFacts facts;
  facts.terms = linux_memory_terms();
  facts.limit_bytes = config.limit_bytes;
  facts.usage_bytes = config.usage_bytes;
  facts.soft_limit_bytes = config.high_bytes;
  facts.crossing_unsafe = linux_crossing_risk(config.oom_group, config.oom_kill_disabled,
                                              config.oom_policy_unseen.value_or(""));
  facts.address_space_backstop = true;
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
  return {resources_memory_limit_info(), run};
}

}  // namespace capprobe::probes
