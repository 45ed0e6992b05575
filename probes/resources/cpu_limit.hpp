// resources.cpu_limit: the configured CPU limit (cgroup quota over the visible ancestors) and the
// effective CPUs measured by a short bounded burn. The verdict is a pure function of the facts so
// that the tests can walk its table.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "probes/probe.hpp"
#include "probes/result.hpp"

namespace capprobe::probes {

// One "cpu" line of /proc/stat, in USER_HZ ticks.
struct CpuTicks {
  std::uint64_t total = 0;  // user..steal (guest time is already inside user)
  std::uint64_t idle = 0;   // idle + iowait
  std::uint64_t steal = 0;
};

// The aggregate "cpu" line of /proc/stat and the "cpuN" lines.
struct ProcStatCpu : CpuTicks {
  int cpu_lines = 0;                // the "cpuN" lines: how many CPUs the kernel accounts
  std::vector<int> cpu_ids;         // their numbers: the CPUs online
  std::map<int, CpuTicks> per_cpu;  // each well-formed cpuN line
};
std::optional<ProcStatCpu> parse_proc_stat(std::string_view text);

// The sums over `cpus` alone (the CPUs this process may use), so that other load and steal count
// where the burn ran, not on CPUs it could not touch. nullopt when one of them has no line.
std::optional<ProcStatCpu> only_cpus(const ProcStatCpu& stat, const std::vector<int>& cpus);

// Average CPUs' worth of time the hypervisor stole between two samples.
std::optional<double> steal_cpus(const ProcStatCpu& before, const ProcStatCpu& after);
// Average CPUs busy (neither idle nor stolen) between two samples, whoever used them.
std::optional<double> busy_cpus(const ProcStatCpu& before, const ProcStatCpu& after);

struct CpuFacts {
  std::optional<double> limit_cpus;     // the configured limit, nullopt = none visible
  int visible_cpus = 0;                 // CPUs this process may run on
  std::optional<double> measured_cpus;  // from the burn; nullopt when not measured
  std::optional<double> steal_cpus;     // during the burn
  std::optional<double> other_cpus;     // used by other processes during the burn, on the CPUs
                                        // this process may use when they can be told apart
  std::optional<std::uint64_t> nr_throttled_delta;
  std::optional<double> requested_cpus;  // resources.limits.cpu from the pod spec
  bool quick = false;
  // This kernel is the pod's own VM (isolation vm_guest): its vCPU count was chosen for the pod.
  bool pod_vm = false;
  // Why a limit may apply that cannot be read (cgroup not located, limit files denied); empty
  // when every level was read.
  std::string limit_unseen;
  // CPUs online in this kernel, 0 when unknown. More than visible_cpus: a cpuset or the affinity
  // mask keeps this process off the others, a limit on CPUs though not a quota.
  int online_cpus = 0;
  std::string allowed_list;                // the CPUs this process may use, as a cpu list ("0-1")
  std::optional<std::string> cpuset_list;  // the cpuset cgroup's CPUs, when read
};

// Within this fraction a measurement "matches" a limit.
inline constexpr double kCpuTolerance = 0.15;

// No CPU quota visible, and the pod's own VM has as many vCPUs as the pod spec's limit: a VM
// sized for the pod (Firecracker cannot hot-plug CPUs) cannot run on more, so its size is the
// limit. Needs the pod spec: without it a VM's size says nothing about a limit.
bool vcpus_are_the_limit(const CpuFacts& facts);

// Sets status, observed and summary of `result` (its `requested` must already be set):
//  - limit L below the visible CPUs, measured within 15%: a match alone is no evidence.
//    - the quota's nr_throttled moved during the burn: enforced, supported;
//    - it did not move: the quota did not hold the burn back, untested: hypervisor_limited when
//      steal took the rest of the CPUs, else inconclusive (other load filled the CPUs, or
//      something else held the burn there);
//    - the counter is unreadable: inconclusive when every CPU was busy (measured + other load
//      + steal ~ visible: the load may have set the figure), else enforced, saying it rests on
//      the measurement alone;
//  - measured clearly above L, or above a requested limit when none is visible: not_enforced,
//    unsupported ("REQUESTED BUT IGNORED" when asked);
//  - below L but throttled at the quota: enforced (other load took the rest);
//  - no limit, measured ~ visible: no_limit, untested (ignored when a limit was requested);
//  - no limit visible but measured ~ the request: enforced (the limiting cgroup is hidden),
//    unless every CPU was busy: then inconclusive, as the load may have set the figure;
//  - no limit visible in a pod VM whose vCPU count matches the requested limit: the vCPUs are
//    the limit (limit_source "vcpus"): enforced when the burn gets them, configured with --quick;
//  - measured well below and steal explains it: hypervisor_limited, untested;
//  - measured well below and CPUs stood idle (other load + steal at most half of what the burn
//    did not get of the visible CPUs): hidden_limit, untested: "held to about X of N visible
//    CPUs by something this process cannot see" (a parent quota hidden by the cgroup
//    namespace, a hypervisor that does not report steal);
//  - otherwise inconclusive (contention, or other load unknown), untested, with the numbers;
//  - --quick: untested, "burn skipped by --quick".
// A cpuset or affinity mask that leaves this process fewer CPUs than are online is a limit on
// CPUs (not a quota: limit_cpus and limit_source stay the quota's): every summary, --quick too,
// says "this process may use N of the M online CPUs (...)", the CPU counts read "N visible of M
// online", and where the verdict would be no_limit it is cpuset_limited. Evidence beside the
// DESIGN keys: online_cpus (integer or null), online_cpu_list, online_cpus_from (the file read),
// cpuset_cpus (the cpuset cgroup's list, or null), allowed_cpus (the affinity). Other load and
// steal are then counted on the allowed CPUs only (evidence load_counted_on "allowed_cpus"):
// work elsewhere never competed with the burn.
void judge_cpu_limit(const CpuFacts& facts, CapabilityResult& result);

}  // namespace capprobe::probes
