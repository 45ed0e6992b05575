// fs.readonly_root on Linux: facts and verdict, split so the verdict can be tested as a table.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "probes/common/mountinfo.hpp"
#include "probes/fs/readonly_root.hpp"
#include "probes/fs/write_attempt.hpp"

namespace capprobe::probes::fs {

struct LinuxReadonlyRootFacts {
  WriteAttempt root;  // the mandatory write in "/"
  // /etc and /var/tmp: evidence, and the proof for a non-root process that may not write in "/"
  // itself when one of them lives on the same mount as "/".
  std::vector<WriteAttempt> others;
  std::optional<bool> statvfs_read_only;
  std::optional<std::string> statvfs_errno;
  std::optional<Mount> root_mount;  // the mount holding "/"
  std::optional<std::string> mountinfo_error;
  std::optional<bool> requested;  // readOnlyRootFilesystem
};

LinuxReadonlyRootFacts collect_linux_readonly_root_facts(ProbeContext& ctx);
CapabilityResult judge_linux_readonly_root(const LinuxReadonlyRootFacts& facts);

}  // namespace capprobe::probes::fs
