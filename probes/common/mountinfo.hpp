// Parser for /proc/self/mountinfo (proc(5)): which mounts this process sees, their source,
// filesystem type and options. The one reader for the fs.* probes, isolation.kernel and the
// cgroup discovery of the resource probes.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "platform/platform.hpp"

namespace capprobe::probes {

inline constexpr const char* kMountinfoPath = "/proc/self/mountinfo";

struct Mount {
  int id = 0;
  int parent_id = 0;
  std::string device;  // "254:0"
  // The path inside the source filesystem that is mounted ("/" or a bind's subdirectory).
  std::string root;
  std::string mount_point;  // where it appears for this process (octal escapes decoded)
  std::vector<std::string> mount_options;    // per-mount: "rw", "ro", "nosuid"...
  std::vector<std::string> optional_fields;  // "shared:1", "master:2"
  std::string fs_type;                       // "ext4", "overlay", "virtiofs", "9p"
  std::string source;                        // "/dev/vda", "overlay", "kataShared"
  std::vector<std::string> super_options;

  bool read_only() const;                          // "ro" in the per-mount options
  bool has_option(std::string_view option) const;  // in either option list
};

std::vector<Mount> parse_mountinfo(std::string_view text);  // skips malformed lines

// This process's mounts as it sees them; the read error (ENOENT without /proc, EACCES) is a fact.
platform::Result<std::vector<Mount>> read_mounts(const platform::Platform& os);

// One mount per mount point: a later mount at the same point hides the earlier ones.
std::vector<Mount> visible_mounts(const std::vector<Mount>& mounts);

// Whether `path` is `dir` or lies below it, on a path-component boundary ("/proc" covers
// "/proc/1" but not "/procfs"); "/" covers every absolute path.
bool at_or_under(std::string_view path, std::string_view dir);

// The filesystems through which a VM-isolated pod (Kata, Firecracker) sees directories shared
// from the host, and the source name Kata gives them: fs.host_path counts such mounts as the
// node's, isolation.kernel takes such a root as a sign of a pod VM.
bool is_host_share_fs(std::string_view fs_type);  // virtiofs, 9p
inline constexpr std::string_view kKataShareSource = "kataShared";

// The mount whose mount point is the longest prefix of `path` (the mount `path` lives on).
std::optional<Mount> mount_containing(const std::vector<Mount>& mounts, std::string_view path);

}  // namespace capprobe::probes
