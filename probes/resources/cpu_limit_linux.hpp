// resources.cpu_limit on Linux: the /proc/stat parsers the collector measures other load and steal
// with, and the words the judge uses for a cgroup quota.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string_view>
#include <vector>

#include "probes/resources/cpu_limit.hpp"

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

// A cgroup quota (cpu.max, cpu.cfs_quota_us) in the judge's words.
CpuLimitTerms linux_cpu_terms();

}  // namespace capprobe::probes
