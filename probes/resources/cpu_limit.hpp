// resources.cpu_limit: the configured CPU limit (a cgroup quota on Linux, a job object's CPU rate
// on Windows, a pod VM's vCPUs) and the effective CPUs measured by a short bounded burn. The
// verdict is one pure function of OS-neutral facts, so that the tests can walk its table; each
// OS's collector (cpu_limit_linux.cpp, cpu_limit_windows.cpp) gathers them.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "probes/probe.hpp"
#include "probes/result.hpp"

namespace capprobe::probes {

// How an OS names where its CPU limit lives and what can hide one, so that one judge words the
// verdict of both. Each collector supplies its own (linux_cpu_terms(), windows_cpu_terms()).
struct CpuLimitTerms {
  std::string kind;        // what the limit is: "quota", "CPU rate"
  std::string place;       // where it is read: "the cgroups", "the job object"
  std::string own_place;   // "this process's cgroups", "this process's job object"
  std::string holder;      // what says a figure: "the cgroup", "the job object"
  std::string restrictor;  // what may narrow the CPUs besides a limit: "affinity/cpuset"
  // Why no throttle count backs a measurement: "the quota's throttle counter could not be read".
  std::string no_counter;
  // What may hold the burn back out of this process's sight (the hidden_limit verdict).
  std::string hidden_example;
  // Why a requested limit may not show with --quick ("..., only the burn would show it").
  std::string hidden_request;
  // Why a burn that matches the request with no limit in view is still the limit at work.
  std::string hidden_note;
};

struct CpuFacts {
  std::optional<double> limit_cpus;     // the configured limit, nullopt = none visible
  int visible_cpus = 0;                 // CPUs this process may run on
  std::optional<double> measured_cpus;  // from the burn; nullopt when not measured
  std::optional<double> steal_cpus;     // during the burn; nullopt where no steal is counted
  std::optional<double> other_cpus;     // used by other processes during the burn, on the CPUs
                                        // this process may use when they can be told apart
  // Throttle evidence: how many times the limit's enforcer held the burn back during it (Linux:
  // nr_throttled of the quota's cgroup). nullopt when no such count was read; terms.no_counter
  // then says why (unreadable, or an OS that keeps none).
  std::optional<std::uint64_t> throttle_events;
  std::optional<double> requested_cpus;  // resources.limits.cpu from the pod spec
  bool quick = false;
  // This kernel is the pod's own VM (isolation vm_guest): its vCPU count was chosen for the pod.
  bool pod_vm = false;
  // Why a limit may apply that cannot be read (cgroup not located, limit files denied, the job
  // object not queryable); empty when everything was read.
  std::string limit_unseen;
  // CPUs online in this kernel, 0 when unknown. More than visible_cpus: a cpuset, a job's or the
  // process's affinity keeps this process off the others, a limit on CPUs though not a quota.
  int online_cpus = 0;
  std::string allowed_list;                // the CPUs this process may use, as a cpu list ("0-1")
  std::optional<std::string> cpuset_list;  // the CPUs an outer set grants (Linux: the cpuset
                                           // cgroup's), when read
  CpuLimitTerms terms;                     // the OS's words; judge_cpu_limit requires them
};

// Within this fraction a measurement "matches" a limit.
inline constexpr double kCpuTolerance = 0.15;
// The burn: one thread per visible CPU for about a second (>= 10 CFS periods on Linux).
inline constexpr std::chrono::milliseconds kCpuBurn{1000};

std::string cpus_text(double cpus);  // "0.50": the summaries' figure
double rounded_cpus(double value);   // to 1/1000, for evidence

// A cpuset or an affinity mask leaves this process fewer CPUs than the kernel has online.
bool cpus_restricted(const CpuFacts& facts);

// No CPU limit visible, and the pod's own VM has as many vCPUs as the pod spec's limit: a VM
// sized for the pod (Firecracker cannot hot-plug CPUs; a Hyper-V utility VM has the vCPUs it was
// given) cannot run on more, so its size is the limit. Needs the pod spec: without it a VM's size
// says nothing about a limit.
bool vcpus_are_the_limit(const CpuFacts& facts);

// Sets status, observed and summary of `result` (its `requested` must already be set):
//  - limit L below the visible CPUs, measured within 15%: a match alone is no evidence.
//    - the throttle count moved during the burn: enforced, supported;
//    - it did not move: the limit did not hold the burn back, untested: hypervisor_limited when
//      steal took the rest of the CPUs, else inconclusive (other load filled the CPUs, or
//      something else held the burn there);
//    - no count (unreadable, or Windows, which keeps none for a job's CPU rate): inconclusive
//      when every CPU was busy (measured + other load + steal ~ visible: the load may have set
//      the figure), else enforced, saying it rests on the measurement alone;
//  - measured clearly above L, or above a requested limit when none is visible: not_enforced,
//    unsupported ("REQUESTED BUT IGNORED" when asked);
//  - below L but throttled at the limit: enforced (other load took the rest);
//  - no limit, measured ~ visible: no_limit, untested (ignored when a limit was requested);
//  - no limit visible but measured ~ the request: enforced (the limit sits out of sight),
//    unless every CPU was busy: then inconclusive, as the load may have set the figure;
//  - no limit visible in a pod VM whose vCPU count matches the requested limit: the vCPUs are
//    the limit (limit_source "vcpus"): enforced when the burn gets them, configured with --quick;
//  - measured well below and steal explains it: hypervisor_limited, untested;
//  - measured well below and CPUs stood idle (other load + steal at most half of what the burn
//    did not get of the visible CPUs): hidden_limit, untested: "held to about X of N visible
//    CPUs by something this process cannot see" (terms.hidden_example says what, per OS);
//  - otherwise inconclusive (contention, or other load unknown), untested, with the numbers;
//  - --quick: untested, "burn skipped by --quick".
// A cpuset or affinity mask that leaves this process fewer CPUs than are online is a limit on
// CPUs (not a quota: limit_cpus and limit_source stay the quota's): every summary, --quick too,
// says "this process may use N of the M online CPUs (...)", the CPU counts read "N visible of M
// online", and where the verdict would be no_limit it is cpuset_limited. The collectors' evidence
// beside the DESIGN keys: online_cpus (integer or null), allowed_cpus (the affinity) and, on
// Linux, online_cpu_list, online_cpus_from (the file read), cpuset_cpus (the cpuset cgroup's
// list, or null); other load and steal are then counted on the allowed CPUs only (evidence
// load_counted_on "allowed_cpus"): work elsewhere never competed with the burn.
// Throws std::logic_error when facts.terms is empty (a collector that forgot its OS's words).
void judge_cpu_limit(const CpuFacts& facts, CapabilityResult& result);

// The catalog entry, the same on every OS.
ProbeInfo resources_cpu_limit_info();

}  // namespace capprobe::probes
