// job: the job object this process runs in, as QueryInformationJobObject(NULL, ...) shows the
// innermost one (a nested job's limits are its own; its parents' stay out of sight). Its CPU
// rate (kubelet's CpuMaximum becomes a rate in 1/10,000 of all processors) and its commit
// limits (a container's memory limit), in the API's own units.
#include <windows.h>

#include "platform/windows/sdk_extras.hpp"
#include "platform/windows/win32_errors.hpp"
#include "platform/windows/windows_platform.hpp"

namespace capprobe::platform {

using win32::last_error;

namespace {

Result<JobCpuRate> cpu_rate() {
  win32::sdk::JobCpuRateControlInformation info{};
  if (!::QueryInformationJobObject(nullptr, JobObjectCpuRateControlInformation, &info, sizeof info,
                                   nullptr)) {
    return last_error("QueryInformationJobObject", "JobObjectCpuRateControlInformation");
  }
  JobCpuRate rate;
  rate.control_flags = info.ControlFlags;
  rate.enabled = (info.ControlFlags & JOB_OBJECT_CPU_RATE_CONTROL_ENABLE) != 0;
  rate.weight_based = (info.ControlFlags & JOB_OBJECT_CPU_RATE_CONTROL_WEIGHT_BASED) != 0;
  rate.hard_cap = (info.ControlFlags & JOB_OBJECT_CPU_RATE_CONTROL_HARD_CAP) != 0;
  rate.min_max = (info.ControlFlags & win32::sdk::kCpuRateControlMinMaxRate) != 0;
  // One word of a union, read as the flags say it was written.
  if (rate.weight_based) {
    rate.weight = info.Weight;
  } else if (rate.min_max) {
    rate.min_rate = info.MinMax.MinRate;
    rate.max_rate = info.MinMax.MaxRate;
  } else {
    rate.cpu_rate = info.CpuRate;
  }
  return rate;
}

Result<JobMemoryLimits> memory_limits() {
  JOBOBJECT_EXTENDED_LIMIT_INFORMATION info{};
  if (!::QueryInformationJobObject(nullptr, JobObjectExtendedLimitInformation, &info, sizeof info,
                                   nullptr)) {
    return last_error("QueryInformationJobObject", "JobObjectExtendedLimitInformation");
  }
  JobMemoryLimits limits;
  limits.limit_flags = info.BasicLimitInformation.LimitFlags;
  // A limit's field holds something only when its flag is set.
  if ((limits.limit_flags & JOB_OBJECT_LIMIT_JOB_MEMORY) != 0) {
    limits.job_memory_limit = info.JobMemoryLimit;
  }
  if ((limits.limit_flags & JOB_OBJECT_LIMIT_PROCESS_MEMORY) != 0) {
    limits.process_memory_limit = info.ProcessMemoryLimit;
  }
  limits.peak_job_memory_used = info.PeakJobMemoryUsed;
  limits.peak_process_memory_used = info.PeakProcessMemoryUsed;
  // What the job holds now (Windows 8 / Server 2012 on); left unknown when it cannot be read,
  // which is no reason to drop the limits.
  win32::sdk::JobMemoryUsageInformation usage{};
  if (::QueryInformationJobObject(nullptr, win32::sdk::kJobObjectMemoryUsageInformation, &usage,
                                  sizeof usage, nullptr)) {
    limits.job_memory_used = usage.JobMemory;
  }
  return limits;
}

}  // namespace

Result<JobFacts> WindowsPlatform::job() const {
  BOOL in_job = FALSE;
  // NULL job: any job at all, however nested.
  if (!::IsProcessInJob(::GetCurrentProcess(), nullptr, &in_job)) {
    return last_error("IsProcessInJob");
  }
  JobFacts facts;
  facts.in_job = in_job != FALSE;
  // Outside any job there is nothing to query (QueryInformationJobObject(NULL) would fail); the
  // defaults say "no rate, no limit".
  if (facts.in_job) {
    facts.cpu_rate = cpu_rate();
    facts.memory = memory_limits();
  }
  return facts;
}

}  // namespace capprobe::platform
