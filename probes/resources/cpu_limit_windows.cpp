// resources.cpu_limit on Windows: reads the CPU rate of the job this process runs in
// (QueryInformationJobObject(NULL, JobObjectCpuRateControlInformation): the innermost job),
// burns every visible CPU for about a second with GetSystemTimes read around it, and hands the
// facts to the judge (cpu_limit.cpp). Windows keeps no throttle count for a job's CPU rate, so
// "enforced" rests on the burn meeting the cap while CPUs stood idle.
#include "probes/resources/cpu_limit_windows.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <map>
#include <set>

#include "platform/windows_facts.hpp"
#include "probes/common/json.hpp"
#include "probes/common/judge.hpp"
#include "probes/common/text.hpp"
#include "probes/isolation/assess.hpp"
#include "probes/probe_list.hpp"

namespace capprobe::probes {

JobCpuLimit job_cpu_limit(const platform::JobCpuRate& rate, int processors) {
  JobCpuLimit out;
  if (!rate.enabled) return out;
  const auto cap = [&](std::uint32_t figure) {
    out.rate = figure;
    if (processors > 0) out.cpus = figure / 10000.0 * processors;
  };
  if (rate.weight_based) {
    out.control = "weight";
  } else if (rate.min_max) {
    out.control = "min_max";
    cap(rate.max_rate);
  } else {
    out.control = rate.hard_cap ? "hard_cap" : "rate";
    cap(rate.cpu_rate);
  }
  return out;
}

std::uint32_t kubelet_cpu_maximum(double cpus, int processors) {
  if (processors <= 0) return 0;
  const auto milli = static_cast<std::int64_t>(std::llround(cpus * 1000));
  const auto maximum = 10 * milli / processors;
  return static_cast<std::uint32_t>(std::clamp<std::int64_t>(maximum, 1, 10000));
}

std::vector<int> processors_per_group(const platform::NumaFacts& numa) {
  std::map<std::uint16_t, std::uint64_t> masks;
  for (const auto& node : numa.nodes)
    for (const auto& [group, mask] : node.group_masks) masks[group] |= mask;
  std::vector<int> counts;
  for (const auto& [group, mask] : masks) counts.push_back(std::popcount(mask));
  return counts;
}

std::optional<double> busy_cpus_from_times(const platform::SystemTimes& before,
                                           const platform::SystemTimes& after, int processors) {
  if (processors <= 0 || after.kernel < before.kernel || after.user < before.user ||
      after.idle < before.idle)
    return std::nullopt;
  // Kernel time includes the idle time.
  const auto total = (after.kernel - before.kernel) + (after.user - before.user);
  const auto idle = after.idle - before.idle;
  if (total == 0 || idle > total) return std::nullopt;
  return static_cast<double>(total - idle) / static_cast<double>(total) * processors;
}

CpuLimitTerms windows_cpu_terms(bool in_job) {
  CpuLimitTerms terms;
  terms.kind = "rate";
  terms.place = in_job ? "the job object" : "a job object (this process is in none)";
  terms.own_place =
      in_job ? "this process's job object" : "any job object (this process is in none)";
  terms.holder = "the job object";
  terms.restrictor = "affinity";
  terms.no_counter = "Windows keeps no throttle count for a job's CPU rate";
  terms.hidden_example =
      "a CPU rate on an outer job object (only the innermost job can be queried, and a nested "
      "job's rate is a share of its parent's), or the Hyper-V host capping this utility VM's "
      "virtual processors";
  terms.hidden_request =
      "the limit may sit on an outer job object or on the utility VM, out of this process's sight";
  terms.hidden_note =
      "the limit sits where this process cannot query it, e.g. an outer job object or the "
      "utility VM";
  return terms;
}

namespace {

constexpr std::string_view kRateCount = "GetActiveProcessorCount(ALL_PROCESSOR_GROUPS)";

nlohmann::json rate_json(const platform::JobCpuRate& rate) {
  return {{"control_flags", rate.control_flags},
          {"enabled", rate.enabled},
          {"weight_based", rate.weight_based},
          {"hard_cap", rate.hard_cap},
          {"min_max", rate.min_max},
          {"cpu_rate", rate.cpu_rate},
          {"weight", rate.weight},
          {"min_rate", rate.min_rate},
          {"max_rate", rate.max_rate}};
}

// The CpuMaximum kubelet would set for the request, counting all processors (kubelet with
// winstats.ProcessorCount()) and one group's (older kubelets, runtime.NumCPU()); which of them
// the job's rate is tells which formula made it.
struct KubeletRates {
  std::uint32_t all_groups = 0;
  std::vector<std::pair<int, std::uint32_t>> one_group;  // (processors of a group, CpuMaximum)
  nlohmann::json to_json() const {
    auto groups = nlohmann::json::array();
    for (const auto& [count, rate] : one_group)
      groups.push_back({{"processors", count}, {"cpu_maximum", rate}});
    return {{"all_processors", all_groups}, {"one_group", groups}};
  }
};

KubeletRates kubelet_rates(double cpus, int processors, const std::vector<int>& groups) {
  KubeletRates out;
  out.all_groups = kubelet_cpu_maximum(cpus, processors);
  std::set<int> counts(groups.begin(), groups.end());
  if (counts.empty()) counts.insert(std::min(processors, 64));
  for (const int count : counts)
    out.one_group.emplace_back(count, kubelet_cpu_maximum(cpus, count));
  return out;
}

CapabilityResult run(ProbeContext& ctx) {
  CapabilityResult result;
  result.id = "resources.cpu_limit";
  const auto& requests = ctx.requests;
  result.requested = requested_when(requests.cpu_limit_cpus.has_value(), requests);
  const auto& windows = platform::windows_facts(ctx.os);

  const auto job = windows.job();
  const auto numa = windows.numa();
  const auto allowed = ctx.os.allowed_cpus();
  const bool in_job = !job || job.value().in_job;  // unknown: word it as the job's

  CpuFacts facts;
  facts.terms = windows_cpu_terms(in_job);
  facts.requested_cpus = requests.cpu_limit_cpus;
  facts.quick = ctx.quick;
  facts.visible_cpus = allowed ? static_cast<int>(allowed.value().size()) : 0;
  if (allowed) facts.allowed_list = text::format_cpu_list(allowed.value());
  const int processors = numa ? static_cast<int>(numa.value().active_processors) : 0;
  facts.online_cpus = processors;
  const auto& isolation = isolation_of(ctx);
  facts.pod_vm = isolation.observed == "vm_guest";

  auto& evidence = result.evidence;
  // The rate is a share of every processor of the system; the visible CPUs stand in only when
  // the count cannot be read (then a multi-group system would be misjudged, and evidence says so).
  const int rate_processors = processors > 0 ? processors : facts.visible_cpus;
  evidence["rate_processors"] = rate_processors;
  evidence["rate_processors_from"] =
      processors > 0
          ? std::string(kRateCount)
          : "allowed_cpus (" +
                (numa ? std::string("no active processors counted") : numa.error().describe()) +
                ")";

  JobCpuLimit limit;
  evidence["in_job"] = job ? nlohmann::json(job.value().in_job) : nlohmann::json(nullptr);
  evidence["cpu_rate"] = nullptr;
  if (!job) {
    facts.limit_unseen = job.error().describe();
    evidence["job_errno"] = job.error().name;
  } else if (job.value().in_job) {
    const auto& rate = job.value().cpu_rate;
    if (rate) {
      evidence["cpu_rate"] = rate_json(rate.value());
      limit = job_cpu_limit(rate.value(), rate_processors);
    } else {
      facts.limit_unseen = rate.error().describe();
      evidence["cpu_rate_errno"] = rate.error().name;
    }
  }
  facts.limit_cpus = limit.cpus;
  evidence["rate_control"] = limit.control;

  evidence["limit_cpus"] = limit.cpus ? nlohmann::json(rounded_cpus(*limit.cpus)) : nullptr;
  evidence["limit_source"] = limit.cpus ? "job_object" : "none";
  if (vcpus_are_the_limit(facts)) {
    evidence["limit_cpus"] = facts.visible_cpus;
    evidence["limit_source"] = "vcpus";
  }
  evidence["isolation"] = isolation.observed;
  evidence["measured_cpus"] = nullptr;
  evidence["visible_cpus"] = facts.visible_cpus;
  evidence["online_cpus"] = processors > 0 ? nlohmann::json(processors) : nlohmann::json(nullptr);
  evidence["processor_groups"] =
      numa ? nlohmann::json(numa.value().group_count) : nlohmann::json(nullptr);
  evidence["allowed_cpus"] = allowed ? nlohmann::json(facts.allowed_list) : nlohmann::json(nullptr);
  evidence["requested_limit_cpus"] = json_or_null(requests.cpu_limit_cpus);
  evidence["requested_request_cpus"] = json_or_null(requests.cpu_request_cpus);

  // Which kubelet formula the rate came from, when a limit was asked and a rate is set.
  std::string formula_note;
  if (requests.cpu_limit_cpus && processors > 0) {
    const auto groups = numa ? processors_per_group(numa.value()) : std::vector<int>{};
    const auto expected = kubelet_rates(*requests.cpu_limit_cpus, processors, groups);
    evidence["kubelet_cpu_maximum"] = expected.to_json();
    if (limit.rate) {
      std::string made_by = *limit.rate == expected.all_groups ? "all_processors" : "";
      for (const auto& [count, rate] : expected.one_group)
        if (made_by.empty() && *limit.rate == rate && count < processors) {
          made_by = "one_group";
          formula_note = "; the job's CPU rate " + std::to_string(*limit.rate) +
                         " is what kubelets before winstats.ProcessorCount() compute from one "
                         "processor group's " +
                         std::to_string(count) + " processors (runtime.NumCPU()) instead of all " +
                         std::to_string(processors) + ", so the cap is " + cpus_text(*limit.cpus) +
                         " CPUs instead of " + cpus_text(*requests.cpu_limit_cpus);
        }
      evidence["rate_made_by"] =
          made_by.empty() ? nlohmann::json(nullptr) : nlohmann::json(made_by);
    }
  }

  const auto notes = [&] {
    std::string out;
    if (limit.control == "rate")
      out +=
          "; the job's CPU rate lacks JOB_OBJECT_CPU_RATE_CONTROL_HARD_CAP, so Windows may let "
          "the job run past it on idle CPUs";
    if (limit.control == "weight")
      out += "; the job has a CPU weight (" + std::to_string(job.value().cpu_rate.value().weight) +
             " of 1-9): a share under contention, not a cap";
    out += formula_note;
    // hcsshim/internal/hcsoci/hcsdoc_wcow.go: in a utility VM the rate applies to the VM's
    // processors, while kubelet divided by the host's; only ScaleCPULimitsToSandbox rescales.
    if (facts.pod_vm && limit.cpus && facts.requested_cpus &&
        *limit.cpus < *facts.requested_cpus * (1 - kCpuTolerance))
      out += "; in a Hyper-V utility VM the job's CPU rate is a share of the VM's " +
             std::to_string(rate_processors) +
             " processors while kubelet computed it against the host's (hcsshim rescales it only "
             "with ScaleCPULimitsToSandbox)";
    return out;
  };

  if (!allowed) {
    evidence["allowed_cpus_errno"] = allowed.error().name;
    set_verdict(result, Status::error, "error",
                "cannot tell which CPUs this process may use: " + allowed.error().describe());
    return result;
  }
  if (ctx.quick) {
    judge_cpu_limit(facts, result);
    result.summary += notes();
    return result;
  }

  const auto times_before = windows.system_times();
  const auto burn = ctx.os.burn_cpu(facts.visible_cpus, kCpuBurn);
  const auto times_after = windows.system_times();
  if (!burn) {
    evidence["burn_errno"] = burn.error().name;
    set_verdict(result, Status::error, "error", "the CPU burn failed: " + burn.error().describe());
    return result;
  }
  const auto& sample = burn.value();
  const double wall_s = std::chrono::duration<double>(sample.wall).count();
  const double cpu_s = std::chrono::duration<double>(sample.cpu).count();
  evidence["burn"] = {{"threads", sample.threads},
                      {"wall_ms", rounded_cpus(wall_s * 1000)},
                      {"cpu_ms", rounded_cpus(cpu_s * 1000)}};
  if (wall_s > 0) facts.measured_cpus = cpu_s / wall_s;
  evidence["measured_cpus"] =
      facts.measured_cpus ? nlohmann::json(rounded_cpus(*facts.measured_cpus)) : nullptr;

  // GetSystemTimes sums every processor: with this process held to some of them, load on the
  // others never competed with the burn and would read as contention, so it is not counted.
  evidence["load_counted_on"] = nullptr;
  if (!times_before || !times_after) {
    evidence["system_times_errno"] =
        times_before ? times_after.error().name : times_before.error().name;
  } else if (processors > 0 && !cpus_restricted(facts) && facts.measured_cpus) {
    if (const auto busy =
            busy_cpus_from_times(times_before.value(), times_after.value(), processors)) {
      facts.other_cpus = std::max(0.0, *busy - *facts.measured_cpus);
      evidence["load_counted_on"] = "all_cpus";
    }
  }
  evidence["other_cpus"] =
      facts.other_cpus ? nlohmann::json(rounded_cpus(*facts.other_cpus)) : nlohmann::json(nullptr);
  evidence["steal_cpus"] = nullptr;  // Windows counts no steal time this probe can read

  judge_cpu_limit(facts, result);
  result.summary += notes();
  return result;
}

}  // namespace

Probe resources_cpu_limit_windows_probe() {
  return {resources_cpu_limit_info(), run};
}

}  // namespace capprobe::probes
