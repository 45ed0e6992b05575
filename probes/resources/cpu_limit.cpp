// resources.cpu_limit: reads the configured limit, burns every visible CPU for about a second
// (>= 10 CFS periods) and judges whether the limit is what the process actually gets.
#include "probes/resources/cpu_limit.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "platform/linux_facts.hpp"
#include "probes/common/json.hpp"
#include "probes/common/judge.hpp"
#include "probes/common/text.hpp"
#include "probes/isolation/assess.hpp"
#include "probes/resources/cgroup.hpp"

namespace capprobe::probes {
namespace {

constexpr std::chrono::milliseconds kBurn{1000};
constexpr std::string_view kField = "resources.limits.cpu";

std::string cpus_text(double cpus) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.2f", cpus);
  return buffer;
}

double rounded(double value) {
  return std::round(value * 1000.0) / 1000.0;
}

bool matches(double measured, double expected) {
  return std::fabs(measured - expected) <= kCpuTolerance * expected;
}

// Steal explains a shortfall when the hypervisor took at least half of what is missing.
bool steal_explains(const CpuFacts& facts, double expected) {
  if (!facts.steal_cpus || !facts.measured_cpus) return false;
  const double shortfall = expected - *facts.measured_cpus;
  return *facts.steal_cpus >= 0.05 && *facts.steal_cpus >= 0.5 * shortfall;
}

// Every CPU was busy during the burn (the burn, other load and steal together fill the visible
// CPUs): the burn's share may then have been set by the load around it, so a measurement that
// lands on a limit shows nothing about the limit. Unknown other load is not taken as saturation.
bool saturated(const CpuFacts& facts) {
  if (!facts.other_cpus || !facts.measured_cpus || facts.visible_cpus <= 0) return false;
  return *facts.measured_cpus + *facts.other_cpus + facts.steal_cpus.value_or(0) >=
         facts.visible_cpus * (1 - kCpuTolerance);
}

// A cpuset or the affinity mask leaves this process fewer CPUs than the kernel has online.
bool cpus_restricted(const CpuFacts& facts) {
  return facts.visible_cpus > 0 && facts.online_cpus > facts.visible_cpus;
}

// The restriction in words, naming what holds it where that can be told.
std::string restriction(const CpuFacts& facts) {
  std::string who = "affinity/cpuset " + facts.allowed_list;
  if (facts.cpuset_list)
    who = *facts.cpuset_list == facts.allowed_list
              ? "cpuset " + facts.allowed_list
              : "affinity " + facts.allowed_list + " within cpuset " + *facts.cpuset_list;
  return "this process may use " + std::to_string(facts.visible_cpus) + " of the " +
         std::to_string(facts.online_cpus) + " online CPUs (" + who +
         "): a limit on CPUs, not a quota";
}

std::string numbers(const CpuFacts& facts) {
  std::string out = "measured " + (facts.measured_cpus ? cpus_text(*facts.measured_cpus) : "-") +
                    " CPUs, " + std::to_string(facts.visible_cpus) +
                    (vcpus_are_the_limit(facts) ? " vCPUs (the limit)" : " visible");
  if (cpus_restricted(facts)) out += " of " + std::to_string(facts.online_cpus) + " online";
  if (facts.limit_cpus) out += ", limit " + cpus_text(*facts.limit_cpus);
  if (facts.steal_cpus) out += ", steal " + cpus_text(*facts.steal_cpus) + " CPUs";
  if (facts.other_cpus) out += ", other load " + cpus_text(*facts.other_cpus) + " CPUs";
  // The counter is the quota's cgroup's: with no quota in view it is this cgroup's own, which a
  // hidden parent's quota never moves, and naming it would read as evidence.
  if (facts.nr_throttled_delta && facts.limit_cpus)
    out += ", throttled " + std::to_string(*facts.nr_throttled_delta) + " times";
  return out;
}

// CPUs stood idle while the burn wanted every one of them: other load and steal together took
// at most half of what the burn did not get of the visible CPUs. Unknown other load is not
// taken as idle.
bool idle_left(const CpuFacts& facts) {
  if (!facts.other_cpus || !facts.measured_cpus) return false;
  const double gap = facts.visible_cpus - *facts.measured_cpus;
  return gap > 0 && *facts.other_cpus + facts.steal_cpus.value_or(0) <= 0.5 * gap;
}

// A shortfall below what should be reachable: the hypervisor, other load on the node, or a
// limit this process cannot see.
void judge_shortfall(const CpuFacts& facts, double expected, CapabilityResult& result) {
  if (steal_explains(facts, expected)) {
    set_verdict(result, Status::untested, "hypervisor_limited",
                "the burn reached fewer CPUs than expected (" + cpus_text(expected) +
                    ") and the hypervisor stole the difference: " + numbers(facts));
    return;
  }
  // Neither contention nor reported steal: the burn was held back with CPUs to spare. That is a
  // limit, only not one this process can read, so say what the measurement shows. Untested: which
  // limit it is, and whether it is the pod's, cannot be told from here.
  if (idle_left(facts)) {
    std::string held = "the burn was held to about " + cpus_text(*facts.measured_cpus) + " of " +
                       std::to_string(facts.visible_cpus) +
                       (vcpus_are_the_limit(facts) ? " vCPUs" : " visible CPUs");
    if (expected < facts.visible_cpus * (1 - kCpuTolerance))
      held += " (expected " + cpus_text(expected) + ")";
    set_verdict(result, Status::untested, "hidden_limit",
                held +
                    " by something this process cannot see: e.g. a quota on a parent cgroup "
                    "hidden by the cgroup namespace, or a hypervisor that does not report steal; "
                    "CPUs stood idle meanwhile: " +
                    numbers(facts));
    return;
  }
  const std::string cause = facts.other_cpus
                                ? "other processes kept the CPUs busy meanwhile (contention)"
                                : "probably contention from other load";
  set_verdict(result, Status::untested, "inconclusive",
              "the burn reached fewer CPUs than expected (" + cpus_text(expected) + "), " + cause +
                  ": " + numbers(facts));
}

// The pod spec and the cgroup disagree: worth saying whatever the verdict.
std::string differs(const CpuFacts& facts) {
  const auto& requested = facts.requested_cpus;
  if (!requested || !facts.limit_cpus ||
      std::fabs(*requested - *facts.limit_cpus) <= 0.01 * *requested)
    return "";
  return " (the pod spec requested " + cpus_text(*requested) + " CPUs, the cgroup says " +
         cpus_text(*facts.limit_cpus) + ")";
}

void judge_quick(const CpuFacts& facts, CapabilityResult& result) {
  std::string summary = "burn skipped by --quick; ";
  if (vcpus_are_the_limit(facts)) {
    set_verdict(result, Status::untested, "configured",
                summary + "no CPU quota inside this pod VM, whose " +
                    std::to_string(facts.visible_cpus) + " vCPUs match the requested limit of " +
                    cpus_text(*facts.requested_cpus) + " CPUs: the VM's size is the limit");
    return;
  }
  if (facts.limit_cpus) {
    summary += "configured limit " + cpus_text(*facts.limit_cpus) + " CPUs of " +
               std::to_string(facts.visible_cpus) + " visible";
  } else {
    summary += facts.limit_unseen.empty()
                   ? (cpus_restricted(facts) ? "no CPU quota visible in the cgroups ("
                                             : "no CPU limit visible in the cgroups (")
                   : "no CPU limit could be read (" + facts.limit_unseen + "; ";
    summary += std::to_string(facts.visible_cpus) + " CPUs visible)";
    if (facts.requested_cpus)
      summary += "; a limit of " + cpus_text(*facts.requested_cpus) +
                 " CPUs was requested: the pod-level cgroup may be hidden by the cgroup namespace, "
                 "only the burn would show it";
  }
  set_verdict(result, Status::untested, facts.limit_cpus ? "configured" : "not_measured", summary);
}

}  // namespace

bool vcpus_are_the_limit(const CpuFacts& facts) {
  return !facts.limit_cpus && facts.pod_vm && facts.requested_cpus && facts.visible_cpus > 0 &&
         matches(facts.visible_cpus, *facts.requested_cpus);
}

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

namespace {

// The burn landed within the tolerance of a visible quota below the visible CPUs. A match alone
// is no evidence (issue #8, finding 7): an all-CPU burn that such a quota holds back overruns it
// in nearly every one of the >= 10 CFS periods of the burn, so the kernel throttles the group
// (nr_throttled of the quota's cgroup moves). An unmoved counter means the quota never held the
// burn back, and something else (other load, the hypervisor, an unseen limit) made the match.
void judge_at_limit(const CpuFacts& facts, CapabilityResult& result) {
  const double limit = *facts.limit_cpus;
  const double measured = *facts.measured_cpus;
  const auto& throttled = facts.nr_throttled_delta;
  if (throttled && *throttled > 0) {
    set_verdict(result, Status::supported, "enforced",
                "the CPU limit is enforced (the kernel throttled the burn at the quota): " +
                    numbers(facts));
    return;
  }
  if (throttled) {
    const auto lead = "the burn got about the limit of " + cpus_text(limit) +
                      " CPUs, but the quota's throttle counter did not move, so the quota did not "
                      "hold it back: ";
    // Steal covers at least half of what the burn did not get of the visible CPUs.
    const double gap = facts.visible_cpus - measured;
    if (facts.steal_cpus && *facts.steal_cpus >= 0.05 && *facts.steal_cpus >= 0.5 * gap) {
      set_verdict(result, Status::untested, "hypervisor_limited",
                  lead + "the hypervisor stole the rest of the CPUs (" + numbers(facts) + ")");
      return;
    }
    set_verdict(result, Status::untested, "inconclusive",
                lead +
                    (saturated(facts)
                         ? "other load filled the remaining CPUs (contention); whether the quota "
                           "is enforced cannot be told ("
                         : "something else held it there; whether the quota is enforced cannot "
                           "be told (") +
                    numbers(facts) + ")");
    return;
  }
  // No throttle counter (cpu.stat unreadable): only saturation can say the match is suspect.
  if (saturated(facts)) {
    set_verdict(result, Status::untested, "inconclusive",
                "the burn got about the limit of " + cpus_text(limit) +
                    " CPUs, but every CPU was busy meanwhile and the quota's throttle counter "
                    "could not be read, so other load may have held it there rather than the "
                    "quota: " +
                    numbers(facts));
    return;
  }
  set_verdict(result, Status::supported, "enforced",
              "the CPU limit is enforced: " + numbers(facts) +
                  "; the quota's throttle counter could not be read, so this rests on the "
                  "measurement alone");
}

void judge_measured(const CpuFacts& facts, CapabilityResult& result) {
  if (!facts.measured_cpus) {
    set_verdict(result, Status::error, "error", "the burn produced no measurement");
    return;
  }
  const double measured = *facts.measured_cpus;
  const double visible = facts.visible_cpus;
  const auto requested = facts.requested_cpus;

  if (facts.limit_cpus) {
    const double limit = *facts.limit_cpus;
    if (limit >= visible * (1 - kCpuTolerance / 3)) {
      set_verdict(result, Status::untested, "not_binding",
                  "the limit of " + cpus_text(limit) + " CPUs is not below the " +
                      std::to_string(facts.visible_cpus) +
                      " CPUs this process may use, so the burn cannot "
                      "show it: " +
                      numbers(facts));
      return;
    }
    if (matches(measured, limit)) return judge_at_limit(facts, result);
    if (measured > limit * (1 + kCpuTolerance)) {
      result.observed = "not_enforced";
      const auto seen = "the burn got " + cpus_text(measured) + " CPUs against a limit of " +
                        cpus_text(limit) + " (" + numbers(facts) + ")";
      if (result.requested.value_or(false))
        mark_ignored(result, kField, seen);
      else
        set_verdict(result, Status::unsupported, "not_enforced",
                    "the CPU limit is not enforced: " + seen);
      return;
    }
    // Below the limit, but the kernel throttled the burn at the quota: the limit bit in some
    // periods and other load took the rest.
    if (facts.nr_throttled_delta.value_or(0) > 0) {
      set_verdict(
          result, Status::supported, "enforced",
          "the CPU limit is enforced (the kernel throttled the burn at the quota) although other "
          "load kept the measurement below it: " +
              numbers(facts));
      return;
    }
    return judge_shortfall(facts, limit, result);
  }

  if (vcpus_are_the_limit(facts)) {
    // Physically the burn cannot get more than the vCPUs; it must get them, or something else
    // (the host, other load) limits the pod below what it was given.
    if (measured >= visible * (1 - kCpuTolerance)) {
      set_verdict(result, Status::supported, "enforced",
                  "the CPU limit is enforced by the size of this pod VM: no CPU quota inside it, "
                  "and its vCPUs match the requested " +
                      cpus_text(*requested) + " CPUs: " + numbers(facts));
      return;
    }
    return judge_shortfall(facts, visible, result);
  }

  // No limit visible in the cgroups this process can see.
  if (requested && *requested < visible * (1 - kCpuTolerance)) {
    if (matches(measured, *requested)) {
      // Nothing to corroborate with here (the limiting cgroup, and its throttle counter, are out
      // of sight): a burn that merely filled what other load left proves nothing.
      if (saturated(facts)) {
        set_verdict(result, Status::untested, "inconclusive",
                    "no CPU limit is visible in this process's cgroups; the burn got about the "
                    "requested " +
                        cpus_text(*requested) +
                        " CPUs, but every CPU was busy meanwhile, so other load may have held it "
                        "there rather than a hidden limit: " +
                        numbers(facts));
        return;
      }
      set_verdict(
          result, Status::supported, "enforced",
          "no CPU limit is visible in this process's cgroups (the limiting cgroup is hidden, e.g. "
          "by the cgroup namespace) but the burn matches the requested " +
              cpus_text(*requested) + " CPUs: " + numbers(facts));
      return;
    }
    if (measured > *requested * (1 + kCpuTolerance)) {
      result.observed = !matches(measured, visible) ? "not_enforced"
                        : cpus_restricted(facts)    ? "cpuset_limited"
                                                    : "no_limit";
      mark_ignored(result, kField,
                   "no CPU limit is configured and the burn got " + cpus_text(measured) +
                       " CPUs against the requested " + cpus_text(*requested) + " (" +
                       numbers(facts) + ")");
      return;
    }
    return judge_shortfall(facts, *requested, result);
  }
  if (measured >= visible * (1 - kCpuTolerance)) {
    // A restricted cpuset is a limit on CPUs: then only the quota is absent.
    std::string summary =
        (cpus_restricted(facts) ? "no CPU quota: " : "no CPU limit: ") + numbers(facts);
    if (requested)
      summary += "; the requested " + cpus_text(*requested) +
                 " CPUs are not below the visible CPUs, so the burn cannot show a limit";
    else
      summary += result.requested.has_value() ? "; no limit was requested"
                                              : "; whether a limit was requested is unknown";
    set_verdict(result, Status::untested, cpus_restricted(facts) ? "cpuset_limited" : "no_limit",
                summary);
    return;
  }
  judge_shortfall(facts, visible, result);
}

}  // namespace

void judge_cpu_limit(const CpuFacts& facts, CapabilityResult& result) {
  if (facts.quick)
    judge_quick(facts, result);
  else
    judge_measured(facts, result);
  result.summary += differs(facts);
  if (cpus_restricted(facts)) result.summary += "; " + restriction(facts);
  if (facts.quick) return;
  if (!facts.limit_unseen.empty())
    result.summary += "; a limit may also apply that cannot be read: " + facts.limit_unseen;
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

  const auto discovery = cgroup::discover(ctx.os);
  const auto config = cgroup::read_cpu_config(ctx.os, discovery);
  const auto allowed = ctx.os.allowed_cpus();

  CpuFacts facts;
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
      config.limit_cpus ? nlohmann::json(rounded(*config.limit_cpus)) : nullptr;
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
      decoded[key] = {{"low_cpus", rounded(range->low_cpus)},
                      {"high_cpus", rounded(range->high_cpus)}};
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
  const auto burn = ctx.os.burn_cpu(facts.visible_cpus, kBurn);
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
                      {"wall_ms", rounded(wall_s * 1000)},
                      {"cpu_ms", rounded(cpu_s * 1000)}};
  if (wall_s > 0) facts.measured_cpus = cpu_s / wall_s;
  evidence["measured_cpus"] =
      facts.measured_cpus ? nlohmann::json(rounded(*facts.measured_cpus)) : nlohmann::json(nullptr);

  if (stat_before.text && stat_after.text) {
    const auto before = cgroup::parse_cpu_stat(*stat_before.text);
    const auto after = cgroup::parse_cpu_stat(*stat_after.text);
    if (before.nr_throttled && after.nr_throttled && *after.nr_throttled >= *before.nr_throttled)
      facts.nr_throttled_delta = *after.nr_throttled - *before.nr_throttled;
    if (before.throttled_usec && after.throttled_usec &&
        *after.throttled_usec >= *before.throttled_usec)
      evidence["throttled_usec_delta"] = *after.throttled_usec - *before.throttled_usec;
    if (before.usage_usec && after.usage_usec && *after.usage_usec >= *before.usage_usec)
      evidence["cgroup_usage_usec_delta"] = *after.usage_usec - *before.usage_usec;
  } else if (config.stat_path) {
    evidence["cpu_stat_errno"] = stat_before.text ? stat_after.error : stat_before.error;
  }
  evidence["nr_throttled_delta"] = json_or_null(facts.nr_throttled_delta);

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
  evidence["steal_cpus"] = facts.steal_cpus ? nlohmann::json(rounded(*facts.steal_cpus)) : nullptr;
  evidence["other_cpus"] = facts.other_cpus ? nlohmann::json(rounded(*facts.other_cpus)) : nullptr;

  judge_cpu_limit(facts, result);
  return result;
}

}  // namespace

Probe resources_cpu_limit_linux_probe() {
  return {{.id = "resources.cpu_limit",
           .title = "CPU limit: configured and measured",
           .pod_spec_field = "resources.limits.cpu",
           .scope = SpecScope::container,
           .platforms = {"linux"},
           .cost = Cost::heavy,
           .timeout = std::chrono::milliseconds(4000)},
          run};
}

}  // namespace capprobe::probes
