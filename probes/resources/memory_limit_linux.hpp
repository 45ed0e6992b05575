// resources.memory_limit on Linux: the cgroup's words for the judge, and when crossing the limit
// would take more than the child (the OOM policy of the cgroups).
#pragma once

#include <optional>
#include <string>

#include "probes/common/proc_status.hpp"
#include "probes/resources/memory_limit.hpp"

namespace capprobe::probes {

MemoryTerms linux_memory_terms();

// Why crossing the limit is unsafe: memory.oom.group = 1 at some visible level (v2: an OOM kill
// takes the whole container, capprobe included), oom_kill_disable = 1 (v1: crossing freezes the
// whole cgroup), or either could not be read (`policy_unseen`, "path: EACCES"). nullopt when an
// OOM kill would take the child alone.
std::optional<std::string> linux_crossing_risk(bool oom_group, bool oom_kill_disabled,
                                               const std::string& policy_unseen);

}  // namespace capprobe::probes
