// resources.cpu_limit on Windows: what a job object's CPU rate control means in CPUs, the rate
// kubelet asks for, the other load from GetSystemTimes, and the judge's words for a job's rate.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "platform/windows_facts.hpp"
#include "probes/resources/cpu_limit.hpp"

namespace capprobe::probes {

// A job's JOBOBJECT_CPU_RATE_CONTROL_INFORMATION read as a limit. CpuRate and MaxRate are in
// 1/10,000 of all the processors of the system (every group), so the cap in CPUs is
// rate / 10000 x processors.
struct JobCpuLimit {
  // "none" (no rate control), "hard_cap" (CpuRate with HARD_CAP), "rate" (CpuRate without
  // HARD_CAP: a target the job may pass on idle CPUs), "min_max" (MaxRate, a hard maximum),
  // "weight" (a share under contention, no cap).
  std::string control = "none";
  std::optional<std::uint32_t> rate;  // the 1/10,000 figure of the cap (CpuRate or MaxRate)
  std::optional<double> cpus;         // the cap in CPUs; nullopt when there is none
};
JobCpuLimit job_cpu_limit(const platform::JobCpuRate& rate, int processors);

// The CpuMaximum kubelet sets for a limit of `cpus` on a node of `processors` processors
// (pkg/kubelet/kuberuntime/kuberuntime_container_windows.go, calculateCPUMaximum):
// 10 x milliCPU / processors, clamped to [1, 10000]. Kubelets before winstats.ProcessorCount()
// counted runtime.NumCPU(), the processors of one processor group (at most 64).
std::uint32_t kubelet_cpu_maximum(double cpus, int processors);

// The processor count of each group, from the NUMA nodes' group masks; empty when no node has
// one.
std::vector<int> processors_per_group(const platform::NumaFacts& numa);

// Average CPUs busy (kernel + user - idle) between two GetSystemTimes samples, whoever used them,
// on a system of `processors` processors; nullopt when the samples do not move forward.
std::optional<double> busy_cpus_from_times(const platform::SystemTimes& before,
                                           const platform::SystemTimes& after, int processors);

// A job object's CPU rate in the judge's words; `in_job` false: this process is in no job.
CpuLimitTerms windows_cpu_terms(bool in_job);

}  // namespace capprobe::probes
