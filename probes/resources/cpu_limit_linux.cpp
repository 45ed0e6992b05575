// resources.cpu_limit on Linux: reads the cgroup quota over the visible ancestors, burns every
// visible CPU for about a second (>= 10 CFS periods) with the quota's nr_throttled and /proc/stat
// read around it, and hands the facts to the judge (cpu_limit.cpp).
#include <algorithm>
#include <cmath>

#include "platform/linux_facts.hpp"
#include "probes/common/json.hpp"
#include "probes/common/judge.hpp"
#include "probes/common/text.hpp"
#include "probes/isolation/assess.hpp"
#include "probes/probe_list.hpp"
#include "probes/resources/cgroup_linux.hpp"
#include "probes/resources/cpu_limit_linux.hpp"
#include "probes/round_reads.hpp"

namespace capprobe::probes {
namespace {

// "cpu  user nice system idle iowait irq softirq steal [guest guest_nice]", split.
template <typename Fields>
std::optional<CpuTicks> parse_ticks(const Fields& fields) {
  CpuTicks cpu;
  for (std::size_t i = 1; i < fields.size() && i <= 8; ++i) {
    const auto ticks = text::parse_uint(fields[i]);
    if (!ticks) return std::nullopt;
    cpu.total += *ticks;
    if (i == 4 || i == 5) cpu.idle += *ticks;
    if (i == 8) cpu.steal = *ticks;
  }
  return cpu;
}

}  // namespace

std::optional<ProcStatCpu> parse_proc_stat(std::string_view content) {
  std::optional<ProcStatCpu> out;
  int cpu_lines = 0;
  std::vector<int> cpu_ids;
  std::map<int, CpuTicks> per_cpu;
  for (const auto& line : text::lines(content)) {
    const auto fields = text::split_whitespace(line);
    if (fields.empty() || !text::starts_with(fields[0], "cpu")) continue;
    if (fields[0] != "cpu") {
      ++cpu_lines;
      if (const auto id = text::parse_uint(fields[0].substr(3))) {
        cpu_ids.push_back(static_cast<int>(*id));
        if (const auto ticks = parse_ticks(fields)) per_cpu[static_cast<int>(*id)] = *ticks;
      }
      continue;
    }
    const auto ticks = parse_ticks(fields);
    if (!ticks) return std::nullopt;
    out = ProcStatCpu{};
    static_cast<CpuTicks&>(*out) = *ticks;
  }
  if (out) {
    out->cpu_lines = cpu_lines;
    out->cpu_ids = std::move(cpu_ids);
    out->per_cpu = std::move(per_cpu);
  }
  return out;
}

std::optional<ProcStatCpu> only_cpus(const ProcStatCpu& stat, const std::vector<int>& cpus) {
  if (cpus.empty()) return std::nullopt;
  ProcStatCpu out;
  for (const int cpu : cpus) {
    const auto found = stat.per_cpu.find(cpu);
    if (found == stat.per_cpu.end()) return std::nullopt;
    out.total += found->second.total;
    out.idle += found->second.idle;
    out.steal += found->second.steal;
    out.per_cpu.insert(*found);
  }
  out.cpu_lines = static_cast<int>(cpus.size());
  out.cpu_ids = cpus;
  return out;
}

std::optional<double> steal_cpus(const ProcStatCpu& before, const ProcStatCpu& after) {
  if (after.total <= before.total || after.steal < before.steal || after.cpu_lines <= 0)
    return std::nullopt;
  const double fraction = static_cast<double>(after.steal - before.steal) /
                          static_cast<double>(after.total - before.total);
  return fraction * after.cpu_lines;
}

std::optional<double> busy_cpus(const ProcStatCpu& before, const ProcStatCpu& after) {
  if (after.total <= before.total || after.idle < before.idle || after.steal < before.steal ||
      after.cpu_lines <= 0)
    return std::nullopt;
  const auto total = after.total - before.total;
  const auto idle = (after.idle - before.idle) + (after.steal - before.steal);
  if (idle > total) return std::nullopt;
  return static_cast<double>(total - idle) / static_cast<double>(total) * after.cpu_lines;
}

CpuLimitTerms linux_cpu_terms() {
  CpuLimitTerms terms;
  terms.kind = "quota";
  terms.place = "the cgroups";
  terms.own_place = "this process's cgroups";
  terms.holder = "the cgroup";
  terms.restrictor = "affinity/cpuset";
  terms.no_counter = "the quota's throttle counter could not be read";
  terms.hidden_example =
      "a quota on a parent cgroup hidden by the cgroup namespace, or a hypervisor that does not "
      "report steal";
  terms.hidden_request = "the pod-level cgroup may be hidden by the cgroup namespace";
  terms.hidden_note = "the limiting cgroup is hidden, e.g. by the cgroup namespace";
  return terms;
}

namespace {

constexpr std::string_view kOnlinePath = "/sys/devices/system/cpu/online";

struct OnlineCpus {
  std::vector<int> cpus;
  std::string from;  // the file they were read from
};

// The CPUs online: sysfs, else the cpuN lines of /proc/stat (the kernel lists the online CPUs
// there). nullopt when neither can be read.
std::optional<OnlineCpus> read_online_cpus(const platform::Platform& os) {
  if (const auto text = platform::linux_facts(os).read_file(std::string(kOnlinePath), 4096))
    if (auto cpus = text::parse_cpu_list(text.value()); cpus && !cpus->empty())
      return OnlineCpus{std::move(*cpus), std::string(kOnlinePath)};
  if (const auto text = platform::linux_facts(os).read_file("/proc/stat", 64 << 10))
    if (auto stat = parse_proc_stat(text.value()); stat && !stat->cpu_ids.empty())
      return OnlineCpus{std::move(stat->cpu_ids), "/proc/stat"};
  return std::nullopt;
}

CapabilityResult run(ProbeContext& ctx) {
  CapabilityResult result;
  result.id = "resources.cpu_limit";
  const auto& requests = ctx.requests;
  result.requested = requested_when(requests.cpu_limit_cpus.has_value(), requests);

  const auto discovery = cgroup::discover(ctx.os, mounts_of(ctx));
  const auto config = cgroup::read_cpu_config(ctx.os, discovery);
  const auto allowed = ctx.os.allowed_cpus();

  CpuFacts facts;
  facts.terms = linux_cpu_terms();
  facts.limit_cpus = config.limit_cpus;
  facts.requested_cpus = requests.cpu_limit_cpus;
  facts.quick = ctx.quick;
  facts.visible_cpus = allowed ? static_cast<int>(allowed.value().size()) : 0;
  facts.limit_unseen = config.unseen();
  const auto& isolation = isolation_of(ctx);
  facts.pod_vm = isolation.observed == "vm_guest";
  // A cpuset (or affinity) narrower than the online CPUs is a limit on CPUs: the verdict names it.
  const auto online = read_online_cpus(ctx.os);
  const auto cpuset = cgroup::read_cpuset_config(ctx.os, discovery);
  if (online) facts.online_cpus = static_cast<int>(online->cpus.size());
  if (allowed) facts.allowed_list = text::format_cpu_list(allowed.value());
  if (cpuset.cpus) facts.cpuset_list = text::format_cpu_list(*cpuset.cpus);

  auto& evidence = result.evidence;
  evidence["limit_cpus"] =
      config.limit_cpus ? nlohmann::json(rounded_cpus(*config.limit_cpus)) : nullptr;
  evidence["limit_source"] = config.limit_cpus ? config.hierarchy : "none";
  if (vcpus_are_the_limit(facts)) {
    evidence["limit_cpus"] = facts.visible_cpus;
    evidence["limit_source"] = "vcpus";
  }
  evidence["isolation"] = isolation.observed;
  evidence["measured_cpus"] = nullptr;
  evidence["visible_cpus"] = facts.visible_cpus;
  evidence["online_cpus"] = online ? nlohmann::json(facts.online_cpus) : nlohmann::json(nullptr);
  evidence["online_cpu_list"] =
      online ? nlohmann::json(text::format_cpu_list(online->cpus)) : nlohmann::json(nullptr);
  evidence["online_cpus_from"] = online ? nlohmann::json(online->from) : nlohmann::json(nullptr);
  evidence["cpuset_cpus"] = json_or_null(facts.cpuset_list);
  evidence["quota_us"] =
      config.limiting ? json_or_null(config.limiting->quota_us) : nlohmann::json(nullptr);
  evidence["period_us"] = config.limiting ? nlohmann::json(config.limiting->period_us) : nullptr;
  evidence["limiting_cgroup"] = json_or_null(config.limiting_directory);
  evidence["shares"] = json_or_null(config.shares);
  evidence["weight"] = json_or_null(config.weight);
  // The request as the share/weight encodes it; both v2 formulas are in use in the field.
  auto decoded = nlohmann::json::object();
  const auto put = [&](const char* key, const std::optional<cgroup::RequestRange>& range) {
    if (range)
      decoded[key] = {{"low_cpus", rounded_cpus(range->low_cpus)},
                      {"high_cpus", rounded_cpus(range->high_cpus)}};
  };
  if (config.shares) put("from_shares", cgroup::request_from_shares(*config.shares));
  if (config.weight) {
    put("from_weight_linear", cgroup::request_from_weight_linear(*config.weight));
    put("from_weight_nonlinear", cgroup::request_from_weight_nonlinear(*config.weight));
  }
  // Which decoding holds the pod's request tells which formula the runtime used.
  if (requests.cpu_request_cpus) {
    auto matches = nlohmann::json::array();
    const auto check = [&](const char* name, const std::optional<cgroup::RequestRange>& range) {
      if (range && range->holds(*requests.cpu_request_cpus)) matches.push_back(name);
    };
    if (config.shares) check("from_shares", cgroup::request_from_shares(*config.shares));
    if (config.weight) {
      check("from_weight_linear", cgroup::request_from_weight_linear(*config.weight));
      check("from_weight_nonlinear", cgroup::request_from_weight_nonlinear(*config.weight));
    }
    decoded["matches_request"] = matches;
  }
  evidence["decoded_request"] = decoded;
  evidence["requested_limit_cpus"] = json_or_null(requests.cpu_limit_cpus);
  evidence["requested_request_cpus"] = json_or_null(requests.cpu_request_cpus);
  evidence["allowed_cpus"] =
      allowed ? nlohmann::json(text::format_cpu_list(allowed.value())) : nlohmann::json(nullptr);
  evidence["cgroup"] = discovery.to_json();
  add_cgroup_evidence(evidence, config);

  if (!allowed) {
    evidence["allowed_cpus_errno"] = allowed.error().name;
    result.status = Status::error;
    result.observed = "error";
    result.summary = "cannot tell which CPUs this process may use: " + allowed.error().describe();
    return result;
  }
  if (ctx.quick) {
    judge_cpu_limit(facts, result);
    return result;
  }

  const auto stat_before =
      config.stat_path ? cgroup::read(ctx.os, *config.stat_path) : cgroup::Read{};
  const auto proc_before = platform::linux_facts(ctx.os).read_file("/proc/stat", 64 << 10);
  const auto burn = ctx.os.burn_cpu(facts.visible_cpus, kCpuBurn);
  const auto proc_after = platform::linux_facts(ctx.os).read_file("/proc/stat", 64 << 10);
  const auto stat_after =
      config.stat_path ? cgroup::read(ctx.os, *config.stat_path) : cgroup::Read{};

  if (!burn) {
    evidence["burn_errno"] = burn.error().name;
    result.status = Status::error;
    result.observed = "error";
    result.summary = "the CPU burn failed: " + burn.error().describe();
    return result;
  }
  const auto& sample = burn.value();
  const double wall_s = std::chrono::duration<double>(sample.wall).count();
  const double cpu_s = std::chrono::duration<double>(sample.cpu).count();
  evidence["burn"] = {{"threads", sample.threads},
                      {"wall_ms", rounded_cpus(wall_s * 1000)},
                      {"cpu_ms", rounded_cpus(cpu_s * 1000)}};
  if (wall_s > 0) facts.measured_cpus = cpu_s / wall_s;
  evidence["measured_cpus"] = facts.measured_cpus
                                  ? nlohmann::json(rounded_cpus(*facts.measured_cpus))
                                  : nlohmann::json(nullptr);

  if (stat_before.text && stat_after.text) {
    const auto before = cgroup::parse_cpu_stat(*stat_before.text);
    const auto after = cgroup::parse_cpu_stat(*stat_after.text);
    if (before.nr_throttled && after.nr_throttled && *after.nr_throttled >= *before.nr_throttled)
      facts.throttle_events = *after.nr_throttled - *before.nr_throttled;
    if (before.throttled_usec && after.throttled_usec &&
        *after.throttled_usec >= *before.throttled_usec)
      evidence["throttled_usec_delta"] = *after.throttled_usec - *before.throttled_usec;
    if (before.usage_usec && after.usage_usec && *after.usage_usec >= *before.usage_usec)
      evidence["cgroup_usage_usec_delta"] = *after.usage_usec - *before.usage_usec;
  } else if (config.stat_path) {
    evidence["cpu_stat_errno"] = stat_before.text ? stat_after.error : stat_before.error;
  }
  evidence["nr_throttled_delta"] = json_or_null(facts.throttle_events);

  if (proc_before && proc_after) {
    auto before = parse_proc_stat(proc_before.value());
    auto after = parse_proc_stat(proc_after.value());
    // Held to some of the online CPUs: load and steal elsewhere did not compete with the burn.
    // Counted over the whole machine they would make a cpuset look saturated.
    std::string counted_on = "all_cpus";
    if (before && after && cpus_restricted(facts)) {
      auto mine_before = only_cpus(*before, allowed.value());
      auto mine_after = only_cpus(*after, allowed.value());
      if (mine_before && mine_after) {
        before = std::move(mine_before);
        after = std::move(mine_after);
        counted_on = "allowed_cpus";
      }
    }
    if (before && after) {
      evidence["load_counted_on"] = counted_on;
      evidence["steal_ticks_delta"] =
          after->steal >= before->steal ? after->steal - before->steal : 0;
      facts.steal_cpus = steal_cpus(*before, *after);
      if (const auto busy = busy_cpus(*before, *after); busy && facts.measured_cpus)
        facts.other_cpus = std::max(0.0, *busy - *facts.measured_cpus);
    }
  } else {
    evidence["proc_stat_errno"] = proc_before ? proc_after.error().name : proc_before.error().name;
  }
  evidence["steal_cpus"] =
      facts.steal_cpus ? nlohmann::json(rounded_cpus(*facts.steal_cpus)) : nullptr;
  evidence["other_cpus"] =
      facts.other_cpus ? nlohmann::json(rounded_cpus(*facts.other_cpus)) : nullptr;

  judge_cpu_limit(facts, result);
  return result;
}

}  // namespace

Probe resources_cpu_limit_linux_probe() {
  return {resources_cpu_limit_info(), run};
}

}  // namespace capprobe::probes
