// fs.empty_dir: the pod's emptyDir volumes: their medium (the node's disk, or memory: a tmpfs),
// their sizeLimit (configured in the pod spec; enforced by the filesystem where a tmpfs is
// sized to it, shown by a bounded write just past the free space), and whether they are
// writable. A disk emptyDir's limit is the kubelet's eviction, never written past: that would
// get the pod evicted.
//
// What both OSes share: the catalog entry, the facts, the collector over a mount table (Linux:
// mountinfo; Windows: none) and the judge.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "probes/common/mountinfo.hpp"
#include "probes/probe.hpp"

namespace capprobe::probes::fs {

ProbeInfo empty_dir_info();

// The most a limit trial ever writes past the free space, and the largest sizeLimit it is tried
// for: the bytes land in memory (a tmpfs), charged to the pod.
inline constexpr std::uint64_t kLimitTrialMargin = 1ull << 20;
inline constexpr std::uint64_t kLimitTrialMaxLimit = 32ull << 20;

struct EmptyDirVolume {
  std::string volume;        // "" when found in the mount table only
  std::string mount_path;    // "" when this container does not mount it
  std::string origin;        // "pod_spec", "mountinfo"
  std::string medium_asked;  // "" (disk) or "Memory"
  std::optional<std::uint64_t> size_limit;
  bool read_only_asked = false;
  bool sub_path = false;                   // mounted through a subPath
  std::optional<std::string> fs_type;      // the mount table's
  std::optional<std::string> medium_seen;  // "memory" (tmpfs) or "disk"; nullopt: not known
  std::optional<std::uint64_t> fs_total_bytes;
  std::optional<std::uint64_t> fs_available_bytes;
  bool present = false;
  std::optional<std::string> write_errno;  // the small write's error
  std::optional<std::string> not_written;  // why no small write
  // The limit trial: why not tried, or what it wrote and what stopped it.
  std::optional<std::string> trial_skipped;
  std::optional<std::uint64_t> trial_bytes;    // what it tried to write
  std::optional<std::uint64_t> trial_written;  // what the filesystem took
  std::optional<std::string> trial_stopped_by;
  std::optional<std::string> remove_errno;
  std::optional<std::string> unanswered;
};

struct EmptyDirFacts {
  std::optional<bool> requested;  // the container mounts an emptyDir with a medium or sizeLimit
  std::vector<EmptyDirVolume> volumes;
  bool mount_table = false;
};

EmptyDirFacts collect_empty_dir_facts(ProbeContext& ctx, const std::vector<Mount>* mounts);
CapabilityResult judge_empty_dir(const EmptyDirFacts& facts);

// How a volume's sizeLimit is enforced as far as this process can see: "filesystem" (a tmpfs
// of that size), "eviction" (a disk emptyDir: the kubelet's), "not_by_filesystem" (a tmpfs
// larger than the limit), "unknown"; "" when no limit is set.
std::string limit_enforcement(const EmptyDirVolume& volume);

}  // namespace capprobe::probes::fs
