// resources.cpu_limit: reads the configured limit, burns every visible CPU for about a second
// (>= 10 CFS periods) and judges whether the limit is what the process actually gets.
#include "probes/resources/cpu_limit.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

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

std::string numbers(const CpuFacts& facts) {
  std::string out = "measured " + (facts.measured_cpus ? cpus_text(*facts.measured_cpus) : "-") +
                    " CPUs, " + std::to_string(facts.visible_cpus) +
                    (vcpus_are_the_limit(facts) ? " vCPUs (the limit)" : " visible");
  if (facts.limit_cpus) out += ", limit " + cpus_text(*facts.limit_cpus);
  if (facts.steal_cpus) out += ", steal " + cpus_text(*facts.steal_cpus) + " CPUs";
  if (facts.other_cpus) out += ", other load " + cpus_text(*facts.other_cpus) + " CPUs";
  if (facts.nr_throttled_delta)
    out += ", throttled " + std::to_string(*facts.nr_throttled_delta) + " times";
  return out;
}

// A shortfall below what should be reachable: the hypervisor, or other load on the node.
void judge_shortfall(const CpuFacts& facts, double expected, CapabilityResult& result) {
  if (steal_explains(facts, expected)) {
    set_verdict(result, Status::untested, "hypervisor_limited",
                "the burn reached fewer CPUs than expected (" + cpus_text(expected) +
                    ") and the hypervisor stole the difference: " + numbers(facts));
    return;
  }
  const double shortfall = expected - facts.measured_cpus.value_or(0);
  std::string cause = "probably contention from other load";
  if (facts.other_cpus)
    cause = *facts.other_cpus >= 0.5 * shortfall
                ? "other processes kept the CPUs busy meanwhile (contention)"
                : "neither steal nor other load explains it";
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
                   ? "no CPU limit visible in the cgroups ("
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

std::optional<ProcStatCpu> parse_proc_stat(std::string_view content) {
  std::optional<ProcStatCpu> out;
  int cpu_lines = 0;
  for (const auto& line : text::lines(content)) {
    const auto fields = text::split_whitespace(line);
    if (fields.empty() || !text::starts_with(fields[0], "cpu")) continue;
    if (fields[0] != "cpu") {
      ++cpu_lines;
      continue;
    }
    // user nice system idle iowait irq softirq steal [guest guest_nice]
    ProcStatCpu cpu;
    for (std::size_t i = 1; i < fields.size() && i <= 8; ++i) {
      const auto ticks = text::parse_uint(fields[i]);
      if (!ticks) return std::nullopt;
      cpu.total += *ticks;
      if (i == 4 || i == 5) cpu.idle += *ticks;
      if (i == 8) cpu.steal = *ticks;
    }
    out = cpu;
  }
  if (out) out->cpu_lines = cpu_lines;
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
    if (matches(measured, limit)) {
      set_verdict(result, Status::supported, "enforced",
                  "the CPU limit is enforced: " + numbers(facts));
      return;
    }
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
      set_verdict(
          result, Status::supported, "enforced",
          "no CPU limit is visible in this process's cgroups (the limiting cgroup is hidden, e.g. "
          "by the cgroup namespace) but the burn matches the requested " +
              cpus_text(*requested) + " CPUs: " + numbers(facts));
      return;
    }
    if (measured > *requested * (1 + kCpuTolerance)) {
      result.observed = matches(measured, visible) ? "no_limit" : "not_enforced";
      mark_ignored(result, kField,
                   "no CPU limit is configured and the burn got " + cpus_text(measured) +
                       " CPUs against the requested " + cpus_text(*requested) + " (" +
                       numbers(facts) + ")");
      return;
    }
    return judge_shortfall(facts, *requested, result);
  }
  if (measured >= visible * (1 - kCpuTolerance)) {
    std::string summary = "no CPU limit: " + numbers(facts);
    if (requested)
      summary += "; the requested " + cpus_text(*requested) +
                 " CPUs are not below the visible CPUs, so the burn cannot show a limit";
    else
      summary += result.requested.has_value() ? "; no limit was requested"
                                              : "; whether a limit was requested is unknown";
    set_verdict(result, Status::untested, "no_limit", summary);
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
  if (facts.quick) return;
  if (!facts.limit_unseen.empty())
    result.summary += "; a limit may also apply that cannot be read: " + facts.limit_unseen;
}

namespace {

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
  const auto isolation = assess_isolation(ctx.os);
  facts.pod_vm = isolation.observed == "vm_guest";

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
  const auto proc_before = ctx.os.read_file("/proc/stat", 64 << 10);
  const auto burn = ctx.os.burn_cpu(facts.visible_cpus, kBurn);
  const auto proc_after = ctx.os.read_file("/proc/stat", 64 << 10);
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
    const auto before = parse_proc_stat(proc_before.value());
    const auto after = parse_proc_stat(proc_after.value());
    if (before && after) {
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

Probe resources_cpu_limit_probe() {
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
