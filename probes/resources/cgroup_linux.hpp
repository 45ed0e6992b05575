// The cgroup readers of the Linux collectors (resources.cpu_limit, resources.memory_limit,
// topology.numa): discovery through LinuxFacts, and the tightest limits over every visible
// ancestor. They keep "no such file" (ENOENT) apart from "cannot see" (EACCES).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "platform/platform.hpp"
#include "probes/resources/cgroup.hpp"

namespace capprobe::probes::cgroup {

// Reads /proc/self/cgroup and the v2 root's cgroup.controllers; the mount table as read (a
// probe passes the round's, mounts_of in probes/round_reads.hpp).
Discovery discover(const platform::Platform& os,
                   const platform::Result<std::vector<Mount>>& mounts);
Discovery discover(const platform::Platform& os);  // reads /proc/self/mountinfo itself

// ---------------------------------------------------------------- reading files

// One cgroup file as read: its text, or the error (absent: no such limit here; denied: the limit
// may exist but cannot be seen).
struct Read {
  std::string path;
  std::optional<std::string> text;
  std::string error;  // the errno name, for evidence
  platform::ErrorKind error_kind = platform::ErrorKind::other;

  bool denied() const { return !text && error_kind == platform::ErrorKind::denied; }
  bool absent() const { return !text && error_kind == platform::ErrorKind::absent; }
  nlohmann::json to_json() const;  // {"path", "value"} or {"path", "error"}
};
Read read(const platform::Platform& os, const std::string& path);

// ---------------------------------------------------------------- limits over the ancestry

// What every controller reader records besides the values it found.
struct ControllerReads {
  std::string hierarchy = "none";  // which holds the controller: "cgroup_v1", "cgroup_v2", "none"
  // Set when the controller exists but this process's cgroup in it cannot be found (its path
  // lies outside the mount's root): a limit may apply that cannot be read.
  std::optional<std::string> unlocated;
  std::vector<std::string> hidden;  // files that exist but could not be read: "path: EACCES"
  nlohmann::json reads = nlohmann::json::array();  // every file as read (Read::to_json)

  // Why a limit may apply that cannot be read: the unlocated cgroup, else the hidden files;
  // empty when everything was read.
  std::string unseen() const;
  // {"hierarchy", "reads", "hidden", "unlocated"}.
  nlohmann::json to_json() const;
};

// The evidence keys cgroup_hierarchy, cgroup_reads, cgroup_hidden and cgroup_unlocated of the
// resource probes.
void add_cgroup_evidence(nlohmann::json& evidence, const ControllerReads& config);

struct CpuConfig : ControllerReads {
  std::optional<double> limit_cpus;  // the tightest quota/period over the visible ancestors
  std::optional<CpuQuota> limiting;  // the quota that gives it
  std::optional<std::string> limiting_directory;
  std::optional<std::uint64_t> shares;   // v1, this cgroup
  std::optional<std::uint64_t> weight;   // v2, this cgroup
  std::optional<std::string> stat_path;  // cpu.stat of this cgroup, for throttling deltas
};
CpuConfig read_cpu_config(const platform::Platform& os, const Discovery& discovery);

struct MemoryConfig : ControllerReads {
  std::optional<std::uint64_t> limit_bytes;  // tightest over the ancestors (and, on v1, the
                                             // kernel's hierarchical_memory_limit)
  std::optional<std::string> limiting;       // the directory, or "memory.stat" when the tightest
                                             // limit sits above what this process can see
  std::optional<std::uint64_t> usage_bytes;  // of the limiting cgroup (this one when hidden)
  std::optional<std::string> usage_path;
  std::optional<std::uint64_t> oom_kill;  // this cgroup's oom_kill counter
  std::optional<std::uint64_t> oom;       // v2 memory.events oom
  std::optional<std::string> oom_kill_path;
  std::optional<std::uint64_t> high_bytes;  // v2: the tightest memory.high (throttles, no kill)
  bool oom_group = false;                   // v2: some visible level has memory.oom.group = 1
  bool oom_kill_disabled = false;           // v1: memory.oom_control oom_kill_disable 1
  // Why oom.group (v2, some level) or oom_kill_disable (v1) could not be read: then crossing the
  // limit may take the whole container or freeze it, just as when they are set.
  std::optional<std::string> oom_policy_unseen;
  std::optional<std::string> swap_limit;  // raw memory.swap.max (v2) or memsw limit (v1)
};
MemoryConfig read_memory_config(const platform::Platform& os, const Discovery& discovery);
// Re-reads just the oom_kill counter (after a trial).
std::optional<std::uint64_t> read_oom_kill(const platform::Platform& os,
                                           const MemoryConfig& config);

struct CpusetConfig : ControllerReads {
  std::optional<std::vector<int>> cpus;
  std::optional<std::vector<int>> mems;
};
CpusetConfig read_cpuset_config(const platform::Platform& os, const Discovery& discovery);

}  // namespace capprobe::probes::cgroup
