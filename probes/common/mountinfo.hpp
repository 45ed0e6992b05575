// Parser for /proc/self/mountinfo (proc(5)): which mounts this process sees, their source,
// filesystem type and options. Used by the fs.* probes and isolation.kernel.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace capprobe::probes {

struct Mount {
  int id = 0;
  int parent_id = 0;
  std::string device;       // "254:0"
  std::string root;         // the path inside the source filesystem that is mounted ("/" or a bind's subdir)
  std::string mount_point;  // where it appears for this process (octal escapes decoded)
  std::vector<std::string> mount_options;  // per-mount: "rw", "ro", "nosuid"...
  std::vector<std::string> optional_fields;  // "shared:1", "master:2"
  std::string fs_type;      // "ext4", "overlay", "virtiofs", "9p"
  std::string source;       // "/dev/vda", "overlay", "kataShared"
  std::vector<std::string> super_options;

  bool read_only() const;   // "ro" in the per-mount options
  bool has_option(std::string_view option) const;  // in either option list
};

std::vector<Mount> parse_mountinfo(std::string_view text);  // skips malformed lines

// The mount whose mount point is the longest prefix of `path` (the mount `path` lives on).
std::optional<Mount> mount_containing(const std::vector<Mount>& mounts, std::string_view path);

}  // namespace capprobe::probes
