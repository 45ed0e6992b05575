// resources.memory_limit on Windows: a job object's commit limits read as the one limit the
// trial's child meets, what the node can still give, and the judge's words for a job.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "platform/windows_facts.hpp"
#include "probes/resources/memory_limit.hpp"

namespace capprobe::probes {

// JOBOBJECT_EXTENDED_LIMIT_INFORMATION's commit limits as the child meets them. A child stays in
// this process's job, so it may commit what JobMemoryLimit leaves (the limit less what the job's
// processes hold, `job_memory_used`) and at most ProcessMemoryLimit itself; the tighter binds.
struct JobMemoryLimit {
  std::string scope = "none";          // "job" (the job's processes together), "process", "none"
  std::optional<std::uint64_t> bytes;  // the binding limit as configured
  std::optional<std::uint64_t> usage;  // what it already counts: the job's commit, or 0 for a
                                       // process limit (the child starts with nothing)
};
JobMemoryLimit job_memory_limit(const platform::JobMemoryLimits& limits);

// What the node can still give a child that commits and touches its memory: the lesser of the
// available physical memory and the available commit (GlobalMemoryStatusEx).
std::uint64_t windows_available(const platform::MemoryStatus& status);

// A job object's commit limit in the judge's words; `in_job` false: this process is in no job.
MemoryTerms windows_memory_terms(bool in_job, const std::string& scope);

}  // namespace capprobe::probes
