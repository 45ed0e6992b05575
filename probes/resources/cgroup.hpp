// cgroup discovery and the cgroup file parsers for the Linux side of the resource probes: which
// hierarchy (v1, v2, hybrid, none) holds the cpu, memory and cpuset controllers for this process
// and where its cgroup directory is, as pure functions over the text of /proc/self/cgroup and
// mountinfo. The readers that walk the ancestry through LinuxFacts are in cgroup_linux.hpp.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

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

// The cgroup directory and each ancestor up to the mount point, leaf first. Empty when the
// directory is unknown.
std::vector<std::string> ancestry(const Location& location);

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

}  // namespace capprobe::probes::cgroup
