// cgroup discovery and limit reading for the resource probes: which hierarchy (v1, v2, hybrid,
// none) holds the cpu, memory and cpuset controllers for this process, where its cgroup directory
// is, and the tightest limits over every visible ancestor. Parsers are pure; the read_* functions
// collect through the platform and keep "no such file" (ENOENT) apart from "cannot see" (EACCES).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "platform/platform.hpp"
#include "probes/common/mountinfo.hpp"

namespace capprobe::probes::cgroup {

// ---------------------------------------------------------------- discovery

// One line of /proc/self/cgroup: "4:memory:/kubepods/pod1/c1", "2:cpu,cpuacct:/", "0::/x".
struct Membership {
  int hierarchy = 0;
  std::vector<std::string> controllers;  // empty on the v2 line; "name=systemd" kept as written
  std::string path;
};
std::vector<Membership> parse_proc_cgroup(std::string_view text);  // skips malformed lines

enum class Version { v1, v2 };

// Where one controller lives for this process.
struct Location {
  std::string controller;  // "cpu", "memory", "cpuset"
  Version version = Version::v1;
  std::string mount_point;  // "/sys/fs/cgroup/memory"
  std::string mount_root;   // the mount's root field: the cgroup the mount shows at its top
  std::string cgroup_path;  // this process's cgroup as /proc/self/cgroup names it
  // mount_point + (cgroup_path relative to mount_root); nullopt when the path lies outside the
  // mount's root (a bind of another cgroup, or a cgroup namespace that shows "/../x").
  std::optional<std::string> directory;
};

struct Discovery {
  std::string layout = "none";  // "v1", "v2", "hybrid" (v1 controllers and a cgroup2 mount), "none"
  std::map<std::string, Location> controllers;  // "cpu", "memory", "cpuset": those found
  std::optional<std::string> unified_mount;     // the cgroup2 mount point, when there is one
  std::vector<std::string> v2_controllers;      // what its cgroup.controllers lists
  std::vector<std::string> problems;            // facts that limit what can be seen, as sentences

  const Location* find(const std::string& controller) const;
  nlohmann::json to_json() const;
};

// Reads of the cgroup root's cgroup.controllers are an input so that discovery stays pure.
struct DiscoveryInput {
  std::vector<Membership> membership;
  std::vector<Mount> mounts;
  std::optional<std::string> v2_controllers_text;  // nullopt: no cgroup2 mount, or unreadable
  std::string v2_controllers_error;                // errno name when it was unreadable
  std::string membership_error;                    // errno name when /proc/self/cgroup was not read
};

// The cgroup2 mount that shows this process's unified hierarchy: the one whose root holds the
// "0::" path (longest root wins), else the first cgroup2 mount.
std::optional<Mount> unified_mount(const std::vector<Membership>& membership,
                                   const std::vector<Mount>& mounts);

// The directory for `cgroup_path` under a mount of `mount_root` at `mount_point`, or nullopt
// when the path is outside the root.
std::optional<std::string> resolve_directory(std::string_view mount_point,
                                             std::string_view mount_root,
                                             std::string_view cgroup_path);

Discovery discover(const DiscoveryInput& input);

// Reads /proc/self/cgroup, /proc/self/mountinfo and the v2 root's cgroup.controllers.
Discovery discover(const platform::Platform& os);

// The cgroup directory and each ancestor up to the mount point, leaf first. Empty when the
// directory is unknown.
std::vector<std::string> ancestry(const Location& location);

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

// ---------------------------------------------------------------- pure parsers

// A byte limit: memory.max, memory.limit_in_bytes, memory.swap.max.
enum class LimitKind { limited, unlimited, malformed };
struct ByteLimit {
  LimitKind kind = LimitKind::malformed;
  std::uint64_t bytes = 0;
};
// v1 reports "no limit" as a page-rounded LONG_MAX (9223372036854771712); anything at or above
// 2^62 is treated as unlimited.
inline constexpr std::uint64_t kUnlimitedThreshold = 1ull << 62;
ByteLimit parse_byte_limit(std::string_view text);

// A CFS bandwidth limit: v2 cpu.max "quota period" / "max period"; v1 quota and period files
// (quota -1 = none).
struct CpuQuota {
  std::optional<std::int64_t> quota_us;  // nullopt = no quota
  std::int64_t period_us = 100000;
  std::optional<double> cpus() const;
};
std::optional<CpuQuota> parse_cpu_max(std::string_view text);
std::optional<CpuQuota> parse_cfs_quota(std::string_view quota_text, std::string_view period_text);

// cpu.stat: v2 usage_usec/nr_throttled/throttled_usec; v1 nr_throttled/throttled_time (ns).
struct CpuStat {
  std::optional<std::uint64_t> nr_periods;
  std::optional<std::uint64_t> nr_throttled;
  std::optional<std::uint64_t> throttled_usec;
  std::optional<std::uint64_t> usage_usec;
};
CpuStat parse_cpu_stat(std::string_view text);

// A "key value" counter from memory.events, memory.oom_control or memory.stat.
std::optional<std::uint64_t> counter(std::string_view text, const std::string& key);

// What a CPU request turned into: v1 cpu.shares = milliCPU*1024/1000 (min 2); v2 cpu.weight from
// the shares by one of two formulas. Each decoding is the request range that yields the value,
// or nullopt when the value cannot come from that formula.
struct RequestRange {
  double low_cpus = 0;
  double high_cpus = 0;
  double cpus() const { return (low_cpus + high_cpus) / 2; }
  // Whether a request of `cpus` encodes to this value (kubelet rounds milliCPU down: allow one).
  bool holds(double cpus) const { return cpus >= low_cpus - 0.001 && cpus < high_cpus + 0.001; }
};
std::uint64_t weight_linear(std::uint64_t shares);     // 1 + ((s-2)*9999)/262142 (runc < 1.3.2)
std::uint64_t weight_nonlinear(std::uint64_t shares);  // ceil(10^((l^2+125l)/612 - 7/34)), l=log2 s
std::optional<RequestRange> request_from_shares(std::uint64_t shares);
std::optional<RequestRange> request_from_weight_linear(std::uint64_t weight);
std::optional<RequestRange> request_from_weight_nonlinear(std::uint64_t weight);

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
