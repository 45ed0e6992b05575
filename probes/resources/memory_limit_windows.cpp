// resources.memory_limit on Windows: reads the commit limits of the job this process runs in
// (QueryInformationJobObject(NULL, JobObjectExtendedLimitInformation)) and what the node can
// still give (GlobalMemoryStatusEx), runs the planned child, and hands everything to the judge
// (memory_limit.cpp). Windows has no OOM killer: a commit past a job's limit fails
// (VirtualAlloc(MEM_COMMIT) returns an error), so outcome "alloc_failed" near the limit is the
// enforcement. Crossing the limit kills nobody, so the full trial runs wherever it is safe for the
// node. For the moment the child holds the job's last bytes, other commits in the job fail too:
// the child stops at its first failed step and exits, which gives that room back at once.
#include "probes/resources/memory_limit_windows.hpp"

#include <algorithm>

#include "platform/windows_facts.hpp"
#include "probes/common/json.hpp"
#include "probes/common/judge.hpp"
#include "probes/isolation/assess.hpp"
#include "probes/probe_list.hpp"

namespace capprobe::probes {

JobMemoryLimit job_memory_limit(const platform::JobMemoryLimits& limits) {
  JobMemoryLimit out;
  const auto& job = limits.job_memory_limit;
  const auto& process = limits.process_memory_limit;
  // Room under the job's limit, where what the job holds is known; else the limit itself.
  const auto job_room = [&] {
    const auto used = limits.job_memory_used.value_or(0);
    return *job > used ? *job - used : 0;
  };
  if (job && (!process || job_room() <= *process)) {
    out.scope = "job";
    out.bytes = *job;
    out.usage = limits.job_memory_used;
  } else if (process) {
    out.scope = "process";
    out.bytes = *process;
    out.usage = 0;
  }
  return out;
}

std::uint64_t windows_available(const platform::MemoryStatus& status) {
  return std::min(status.available_physical, status.available_commit);
}

MemoryTerms windows_memory_terms(bool in_job, const std::string& scope) {
  MemoryTerms terms;
  terms.place = in_job ? "the job object" : "a job object (this process is in none)";
  terms.own_place =
      in_job ? "this process's job object" : "any job object (this process is in none)";
  terms.holder = "the job object";
  terms.usage = scope == "process" ? "the child's own commit (a per-process limit)" : "job commit";
  terms.available = "the node's available memory (the lesser of available physical and commit)";
  terms.soft_limit = "";  // a job's commit limit fails the commit; nothing throttles first
  return terms;
}

namespace {

constexpr const char* kEnds[] = {"reached_target", "killed", "alloc_failed", "timed_out"};

CapabilityResult run(ProbeContext& ctx) {
  CapabilityResult result;
  result.id = "resources.memory_limit";
  const auto& requests = ctx.requests;
  result.requested = requested_when(requests.memory_limit_bytes.has_value(), requests);
  const auto& windows = platform::windows_facts(ctx.os);

  const auto job = windows.job();
  const auto memory = windows.memory();
  const bool in_job = !job || job.value().in_job;  // unknown: word it as the job's
  const auto& isolation = isolation_of(ctx);

  auto& evidence = result.evidence;
  MemoryFacts facts;
  JobMemoryLimit limit;
  evidence["in_job"] = job ? nlohmann::json(job.value().in_job) : nlohmann::json(nullptr);
  evidence["job_memory"] = nullptr;
  if (!job) {
    facts.limit_unseen = job.error().describe();
    evidence["job_errno"] = job.error().name;
  } else if (job.value().in_job) {
    const auto& limits = job.value().memory;
    if (limits) {
      const auto& l = limits.value();
      evidence["job_memory"] = {{"limit_flags", l.limit_flags},
                                {"job_memory_limit", json_or_null(l.job_memory_limit)},
                                {"process_memory_limit", json_or_null(l.process_memory_limit)},
                                {"job_memory_used", json_or_null(l.job_memory_used)},
                                {"peak_job_memory_used", l.peak_job_memory_used},
                                {"peak_process_memory_used", l.peak_process_memory_used}};
      limit = job_memory_limit(l);
    } else {
      facts.limit_unseen = limits.error().describe();
      evidence["job_memory_errno"] = limits.error().name;
    }
  }
  // A Hyper-V utility VM may be sized to the limit while no job in it shows one: then neither
  // "no limit" nor "ignored" can be claimed from here.
  if (!limit.bytes && facts.limit_unseen.empty() && isolation.observed == "vm_guest")
    facts.limit_unseen = "in a Hyper-V utility VM the limit may be the VM's own memory size (" +
                         (memory ? std::to_string(memory.value().total_physical >> 20) + " MiB"
                                 : std::string("size unknown")) +
                         "), which no job object shows";

  facts.terms = windows_memory_terms(in_job, limit.scope);
  facts.limit_bytes = limit.bytes;
  facts.usage_bytes = limit.usage;
  facts.requested_bytes = requests.memory_limit_bytes;
  facts.quick = ctx.quick;
  // A job's limit counts commit, paged out or not: paging cannot hide an overrun.
  facts.swap_possible = false;
  facts.address_space_backstop = false;
  if (memory) facts.mem_available = windows_available(memory.value());

  evidence["limit_bytes"] = json_or_null(limit.bytes);
  evidence["limit_source"] = limit.bytes ? "job_object" : "none";
  evidence["limit_scope"] = limit.scope;
  evidence["usage_bytes"] = json_or_null(limit.usage);
  evidence["isolation"] = isolation.observed;
  evidence["mem_available_bytes"] = json_or_null(facts.mem_available);
  if (memory) {
    evidence["total_physical_bytes"] = memory.value().total_physical;
    evidence["total_commit_bytes"] = memory.value().total_commit;
  } else {
    evidence["memory_status_errno"] = memory.error().name;
  }
  evidence["requested_limit_bytes"] = json_or_null(requests.memory_limit_bytes);

  const auto plan = plan_memory_trial(facts);
  evidence["plan"] = nullptr;
  if (plan.trial)
    evidence["plan"] = {{"stop_at_bytes", plan.trial->stop_at_bytes},
                        {"step_bytes", plan.trial->step_bytes},
                        {"timeout_ms", plan.trial->timeout.count()},
                        {"mode", plan.outcome.empty() ? "cross_limit" : "approach"}};
  evidence["plan_reason"] = plan.reason;

  TrialReport trial;
  if (plan.trial) {
    const auto outcome = ctx.os.run_memory_trial(*plan.trial);
    if (outcome) {
      trial.outcome = outcome.value();
      const auto& done = outcome.value();
      evidence["trial"] = {{"end", kEnds[static_cast<int>(done.end)]},
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

Probe resources_memory_limit_windows_probe() {
  return {resources_memory_limit_info(), run};
}

}  // namespace capprobe::probes
