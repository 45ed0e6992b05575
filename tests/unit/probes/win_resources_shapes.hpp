// The Windows facts of the resource and topology probes in the shapes real nodes show: Windows
// Server 2019 and 2022, process-isolated and Hyper-V-isolated containers, HostProcess pods. Each
// is written from the public sources named in tests/fixtures/win-NOTES.md ("resources.*,
// topology.numa"), not captured; the figures are kubelet's and hcsshim's formulas applied to the
// pod's limits.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "platform/fake/fake_platform.hpp"
#include "probes/isolation/assess.hpp"
#include "probes/resources/memory_limit.hpp"

namespace capprobe::testing::win {

using platform::JobCpuRate;
using platform::JobFacts;
using platform::JobMemoryLimits;
using platform::MemoryStatus;
using platform::NumaFacts;
using platform::NumaNodeFacts;

using probes::kMiB;  // the memory probe's own, so that tests may use both namespaces
constexpr std::uint64_t kGiB = 1ull << 30;

// winnt.h: JOB_OBJECT_CPU_RATE_CONTROL_* and JOB_OBJECT_LIMIT_*.
constexpr std::uint32_t kRateEnable = 0x1, kRateWeightBased = 0x2, kRateHardCap = 0x4,
                        kRateMinMax = 0x10;
constexpr std::uint32_t kLimitProcessMemory = 0x100, kLimitJobMemory = 0x200,
                        kLimitKillOnJobClose = 0x2000;

// What containers get for a CpuMaximum (HCS ProcessorMaximum; hcsshim's job containers):
// ENABLE | HARD_CAP with the rate.
inline JobCpuRate hard_cap(std::uint32_t rate) {
  JobCpuRate out;
  out.control_flags = kRateEnable | kRateHardCap;
  out.enabled = out.hard_cap = true;
  out.cpu_rate = rate;
  return out;
}

// What Docker sets when given both a weight and a maximum (kubelet's comment): WEIGHT_BASED.
inline JobCpuRate weight(std::uint32_t value) {
  JobCpuRate out;
  out.control_flags = kRateEnable | kRateWeightBased;
  out.enabled = out.weight_based = true;
  out.weight = value;
  return out;
}

inline JobCpuRate no_rate() {
  return JobCpuRate{};
}

// JOB_OBJECT_LIMIT_JOB_MEMORY with the limit (HCS MemoryMaximumInMB, hcsshim SetMemoryLimit).
inline JobMemoryLimits job_memory(std::optional<std::uint64_t> limit,
                                  std::optional<std::uint64_t> used, std::uint32_t more_flags = 0) {
  JobMemoryLimits out;
  out.limit_flags = more_flags | (limit ? kLimitJobMemory : 0);
  out.job_memory_limit = limit;
  out.job_memory_used = used;
  out.peak_job_memory_used = used.value_or(0) + 24 * kMiB;
  return out;
}

inline JobFacts in_job(JobCpuRate cpu, JobMemoryLimits memory) {
  JobFacts out;
  out.in_job = true;
  out.cpu_rate = cpu;
  out.memory = memory;
  return out;
}

// One processor group of `processors` and one NUMA node holding them.
inline NumaFacts one_node(int processors, std::uint64_t available) {
  NumaFacts out;
  out.highest_node = 0;
  out.group_count = 1;
  out.active_processors = static_cast<std::uint32_t>(processors);
  NumaNodeFacts node;
  node.node = 0;
  const auto mask = processors >= 64 ? ~0ull : (1ull << processors) - 1;
  node.group_masks = {{0, mask}};
  node.available_memory = available;
  out.nodes = {node};
  return out;
}

inline MemoryStatus memory_status(std::uint64_t total, std::uint64_t available) {
  MemoryStatus out;
  out.total_physical = total;
  out.available_physical = available;
  out.total_commit = total + 8 * kGiB;  // a page file beside the RAM
  out.available_commit = available + 6 * kGiB;
  return out;
}

inline std::vector<int> first_cpus(int count) {
  std::vector<int> out;
  for (int cpu = 0; cpu < count; ++cpu) out.push_back(cpu);
  return out;
}

struct Shape {
  JobFacts job;
  NumaFacts numa;
  MemoryStatus memory;
  std::vector<int> cpus;  // Platform::allowed_cpus()
  std::string isolation;  // IsolationAssessment::observed
};

// Windows Server 2019 (17763), a process-isolated container of a pod with limits 500m and
// 512Mi on an 8-processor node: kubelet's CpuMaximum 10 x 500 / 8 = 625 as a hard cap on the
// container's job, JobMemoryLimit 512 MiB; the silo's own processes already hold some commit.
inline Shape ws2019_process_isolated() {
  return {in_job(hard_cap(625), job_memory(512 * kMiB, 150 * kMiB)), one_node(8, 20 * kGiB),
          memory_status(32 * kGiB, 20 * kGiB), first_cpus(8), "shared_kernel"};
}

// Windows Server 2022 (20348), a HostProcess pod with limits 2 CPUs and 256Mi on a
// 16-processor node: hcsshim's job container takes kubelet's CpuMaximum 10 x 2000 / 16 = 1250
// as its rate (ENABLE | HARD_CAP), the memory limit as JobMemoryLimit, and kills the job when its
// last handle closes. The process sees all the host's processors.
inline Shape ws2022_hostprocess() {
  return {in_job(hard_cap(1250), job_memory(256 * kMiB, 40 * kMiB, kLimitKillOnJobClose)),
          one_node(16, 40 * kGiB), memory_status(64 * kGiB, 40 * kGiB), first_cpus(16),
          "shared_kernel"};
}

// A Hyper-V-isolated container (runtime class with hcsshim's "hypervisor" isolation) of a pod with
// limits 1 CPU and 512Mi on a 16-processor host: the utility VM has 2 virtual processors and
// 1 GiB; kubelet's CpuMaximum 10 x 1000 / 16 = 625 reaches the container's job inside the VM
// unchanged (no ScaleCPULimitsToSandbox), where it is a share of the VM's 2 processors.
inline Shape hyperv_isolated() {
  return {in_job(hard_cap(625), job_memory(512 * kMiB, 120 * kMiB)), one_node(2, 700 * kMiB),
          memory_status(1 * kGiB, 700 * kMiB), first_cpus(2), "vm_guest"};
}

// Windows Server 2019 on 128 logical processors: two processor groups of 64, one NUMA node in
// each. A process runs in one group (before Server 2022 processes do not span groups), so it sees
// 64. A kubelet before winstats.ProcessorCount() divided a 1 CPU limit by runtime.NumCPU() (64):
// CpuMaximum 156, which the job applies to all 128 processors.
inline Shape ws2019_two_groups() {
  NumaFacts numa;
  numa.highest_node = 1;
  numa.group_count = 2;
  numa.active_processors = 128;
  numa.nodes = {NumaNodeFacts{0, {{0, ~0ull}}, 100 * kGiB},
                NumaNodeFacts{1, {{1, ~0ull}}, 110 * kGiB}};
  return {in_job(hard_cap(156), job_memory(1 * kGiB, 200 * kMiB)), numa,
          memory_status(256 * kGiB, 210 * kGiB), first_cpus(64), "shared_kernel"};
}

inline std::shared_ptr<const probes::IsolationAssessment> isolation(const std::string& observed) {
  auto out = std::make_shared<probes::IsolationAssessment>();
  out->observed = observed;
  if (observed == "vm_guest") {
    out->hypervisor = "microsoft";
    out->flavor = "hyperv";
  }
  return out;
}

inline void apply(platform::FakePlatform& os, const Shape& shape) {
  os.windows.job = shape.job;
  os.windows.numa = shape.numa;
  os.windows.memory = shape.memory;
  os.cpus = shape.cpus;
}

// GetSystemTimes as they move over one second in which `busy_cpus` of `processors` processors
// were busy (all of it user time); 100 ns units.
inline platform::SystemTimes times_after(const platform::SystemTimes& before, double busy_cpus,
                                         int processors) {
  constexpr double kSecond = 1e7;
  const auto busy = static_cast<std::uint64_t>(busy_cpus * kSecond);
  const auto idle = static_cast<std::uint64_t>(processors * kSecond) - busy;
  platform::SystemTimes after = before;
  after.idle += idle;
  after.kernel += idle;
  after.user += busy;
  return after;
}

}  // namespace capprobe::testing::win
