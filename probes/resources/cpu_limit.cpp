// resources.cpu_limit: the verdict over the OS-neutral facts (see cpu_limit.hpp for its table)
// and the catalog entry. The collectors that burn the CPUs and read the limit are
// cpu_limit_linux.cpp and cpu_limit_windows.cpp.
#include "probes/resources/cpu_limit.hpp"

#include <cmath>
#include <cstdio>
#include <stdexcept>

#include "probes/common/judge.hpp"

namespace capprobe::probes {
namespace {

constexpr std::string_view kField = "resources.limits.cpu";

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

// The restriction in words, naming what holds it where that can be told.
std::string restriction(const CpuFacts& facts) {
  std::string who = facts.terms.restrictor + " " + facts.allowed_list;
  if (facts.cpuset_list)
    who = *facts.cpuset_list == facts.allowed_list
              ? "cpuset " + facts.allowed_list
              : "affinity " + facts.allowed_list + " within cpuset " + *facts.cpuset_list;
  return "this process may use " + std::to_string(facts.visible_cpus) + " of the " +
         std::to_string(facts.online_cpus) + " online CPUs (" + who + "): a limit on CPUs, not a " +
         facts.terms.kind;
}

std::string numbers(const CpuFacts& facts) {
  std::string out = "measured " + (facts.measured_cpus ? cpus_text(*facts.measured_cpus) : "-") +
                    " CPUs, " + std::to_string(facts.visible_cpus) +
                    (vcpus_are_the_limit(facts) ? " vCPUs (the limit)" : " visible");
  if (cpus_restricted(facts)) out += " of " + std::to_string(facts.online_cpus) + " online";
  if (facts.limit_cpus) out += ", limit " + cpus_text(*facts.limit_cpus);
  if (facts.steal_cpus) out += ", steal " + cpus_text(*facts.steal_cpus) + " CPUs";
  if (facts.other_cpus) out += ", other load " + cpus_text(*facts.other_cpus) + " CPUs";
  // The count is the limit's own (Linux: the quota's cgroup's): with no limit in view it is this
  // cgroup's, which a hidden parent's quota never moves, and naming it would read as evidence.
  // Throttle events need a limit in view anyway; so does the cgroup's own counter.
  if (facts.throttle_events && facts.limit_cpus)
    out += ", throttled " + std::to_string(*facts.throttle_events) + " times";
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
                held + " by something this process cannot see: e.g. " + facts.terms.hidden_example +
                    "; CPUs stood idle meanwhile: " + numbers(facts));
    return;
  }
  const std::string cause = facts.other_cpus
                                ? "other processes kept the CPUs busy meanwhile (contention)"
                                : "probably contention from other load";
  set_verdict(result, Status::untested, "inconclusive",
              "the burn reached fewer CPUs than expected (" + cpus_text(expected) + "), " + cause +
                  ": " + numbers(facts));
}

// The pod spec and the configured limit disagree: worth saying whatever the verdict.
std::string differs(const CpuFacts& facts) {
  const auto& requested = facts.requested_cpus;
  if (!requested || !facts.limit_cpus ||
      std::fabs(*requested - *facts.limit_cpus) <= 0.01 * *requested)
    return "";
  return " (the pod spec requested " + cpus_text(*requested) + " CPUs, " + facts.terms.holder +
         " says " + cpus_text(*facts.limit_cpus) + ")";
}

void judge_quick(const CpuFacts& facts, CapabilityResult& result) {
  std::string summary = "burn skipped by --quick; ";
  if (vcpus_are_the_limit(facts)) {
    set_verdict(result, Status::untested, "configured",
                summary + "no CPU " + facts.terms.kind + " inside this pod VM, whose " +
                    std::to_string(facts.visible_cpus) + " vCPUs match the requested limit of " +
                    cpus_text(*facts.requested_cpus) + " CPUs: the VM's size is the limit");
    return;
  }
  if (facts.limit_cpus) {
    summary += "configured limit " + cpus_text(*facts.limit_cpus) + " CPUs of " +
               std::to_string(facts.visible_cpus) + " visible";
  } else {
    summary += facts.limit_unseen.empty()
                   ? "no CPU " +
                         (cpus_restricted(facts) ? facts.terms.kind : std::string("limit")) +
                         " visible in " + facts.terms.place + " ("
                   : "no CPU limit could be read (" + facts.limit_unseen + "; ";
    summary += std::to_string(facts.visible_cpus) + " CPUs visible)";
    if (facts.requested_cpus)
      summary += "; a limit of " + cpus_text(*facts.requested_cpus) +
                 " CPUs was requested: " + facts.terms.hidden_request +
                 ", only the burn would show it";
  }
  set_verdict(result, Status::untested, facts.limit_cpus ? "configured" : "not_measured", summary);
}

}  // namespace

std::string cpus_text(double cpus) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.2f", cpus);
  return buffer;
}

double rounded_cpus(double value) {
  return std::round(value * 1000.0) / 1000.0;
}

bool cpus_restricted(const CpuFacts& facts) {
  return facts.visible_cpus > 0 && facts.online_cpus > facts.visible_cpus;
}

bool vcpus_are_the_limit(const CpuFacts& facts) {
  return !facts.limit_cpus && facts.pod_vm && facts.requested_cpus && facts.visible_cpus > 0 &&
         matches(facts.visible_cpus, *facts.requested_cpus);
}

namespace {

// The burn landed within the tolerance of a visible limit below the visible CPUs. A match alone
// is no evidence (issue #8, finding 7): an all-CPU burn that such a quota holds back overruns it
// in nearly every one of the >= 10 CFS periods of the burn, so the kernel throttles the group
// (nr_throttled of the quota's cgroup moves). An unmoved counter means the quota never held the
// burn back, and something else (other load, the hypervisor, an unseen limit) made the match.
// Where no count exists (Windows keeps none for a job's CPU rate), only idle CPUs can tell.
void judge_at_limit(const CpuFacts& facts, CapabilityResult& result) {
  const double limit = *facts.limit_cpus;
  const double measured = *facts.measured_cpus;
  const auto& throttled = facts.throttle_events;
  const auto& kind = facts.terms.kind;
  if (throttled && *throttled > 0) {
    set_verdict(result, Status::supported, "enforced",
                "the CPU limit is enforced (the kernel throttled the burn at the " + kind +
                    "): " + numbers(facts));
    return;
  }
  if (throttled) {
    const auto lead = "the burn got about the limit of " + cpus_text(limit) + " CPUs, but the " +
                      kind + "'s throttle counter did not move, so the " + kind +
                      " did not hold it back: ";
    // Steal covers at least half of what the burn did not get of the visible CPUs.
    const double gap = facts.visible_cpus - measured;
    if (facts.steal_cpus && *facts.steal_cpus >= 0.05 && *facts.steal_cpus >= 0.5 * gap) {
      set_verdict(result, Status::untested, "hypervisor_limited",
                  lead + "the hypervisor stole the rest of the CPUs (" + numbers(facts) + ")");
      return;
    }
    set_verdict(
        result, Status::untested, "inconclusive",
        lead +
            (saturated(facts) ? "other load filled the remaining CPUs (contention); whether the " +
                                    kind + " is enforced cannot be told ("
                              : "something else held it there; whether the " + kind +
                                    " is enforced cannot be told (") +
            numbers(facts) + ")");
    return;
  }
  // No throttle counter (cpu.stat unreadable): only saturation can say the match is suspect.
  if (saturated(facts)) {
    set_verdict(result, Status::untested, "inconclusive",
                "the burn got about the limit of " + cpus_text(limit) +
                    " CPUs, but every CPU was busy meanwhile and " + facts.terms.no_counter +
                    ", so other load may have held it there rather than the " + kind + ": " +
                    numbers(facts));
    return;
  }
  set_verdict(result, Status::supported, "enforced",
              "the CPU limit is enforced: " + numbers(facts) + "; " + facts.terms.no_counter +
                  ", so this rests on the measurement alone");
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
    if (facts.throttle_events.value_or(0) > 0) {
      set_verdict(result, Status::supported, "enforced",
                  "the CPU limit is enforced (the kernel throttled the burn at the " +
                      facts.terms.kind +
                      ") although other load kept the measurement below it: " + numbers(facts));
      return;
    }
    return judge_shortfall(facts, limit, result);
  }

  if (vcpus_are_the_limit(facts)) {
    // Physically the burn cannot get more than the vCPUs; it must get them, or something else
    // (the host, other load) limits the pod below what it was given.
    if (measured >= visible * (1 - kCpuTolerance)) {
      set_verdict(result, Status::supported, "enforced",
                  "the CPU limit is enforced by the size of this pod VM: no CPU " +
                      facts.terms.kind + " inside it, and its vCPUs match the requested " +
                      cpus_text(*requested) + " CPUs: " + numbers(facts));
      return;
    }
    return judge_shortfall(facts, visible, result);
  }

  // No limit visible where this process can look.
  if (requested && *requested < visible * (1 - kCpuTolerance)) {
    if (matches(measured, *requested)) {
      // Nothing to corroborate with here (the limit, and any throttle count of it, are out of
      // sight): a burn that merely filled what other load left proves nothing.
      if (saturated(facts)) {
        set_verdict(result, Status::untested, "inconclusive",
                    "no CPU limit is visible in " + facts.terms.own_place +
                        "; the burn got about the requested " + cpus_text(*requested) +
                        " CPUs, but every CPU was busy meanwhile, so other load may have held it "
                        "there rather than a hidden limit: " +
                        numbers(facts));
        return;
      }
      set_verdict(result, Status::supported, "enforced",
                  "no CPU limit is visible in " + facts.terms.own_place + " (" +
                      facts.terms.hidden_note + ") but the burn matches the requested " +
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
    std::string summary = "no CPU " +
                          (cpus_restricted(facts) ? facts.terms.kind : std::string("limit")) +
                          ": " + numbers(facts);
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
  if (facts.terms.kind.empty() || facts.terms.place.empty() || facts.terms.no_counter.empty())
    throw std::logic_error("judge_cpu_limit: the collector gave no words for its OS's CPU limit");
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

ProbeInfo resources_cpu_limit_info() {
  return {.id = "resources.cpu_limit",
          .title = "CPU limit: configured and measured",
          .pod_spec_field = "resources.limits.cpu",
          .scope = SpecScope::container,
          .platforms = {"linux", "windows"},
          .cost = Cost::heavy,
          .timeout = std::chrono::milliseconds(4000)};
}

}  // namespace capprobe::probes
