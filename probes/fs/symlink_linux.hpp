// fs.symlink on Linux: the places (the temp dir and every writable volume of mountinfo), and the
// Linux facts next to them (fs.protected_symlinks).
#pragma once

#include <optional>
#include <string>

#include "probes/fs/symlink.hpp"

namespace capprobe::probes::fs {

struct LinuxSymlinkFacts {
  SymlinkFacts places;
  std::optional<int> protected_symlinks;  // /proc/sys/fs/protected_symlinks
  std::optional<std::string> mountinfo_error;
};

LinuxSymlinkFacts collect_linux_symlink_facts(ProbeContext& ctx);
CapabilityResult judge_linux_symlink(const LinuxSymlinkFacts& facts);

}  // namespace capprobe::probes::fs
