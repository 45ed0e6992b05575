// fs.readonly_root: facts and verdict, split so the verdict can be tested as a table.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "probes/common/mountinfo.hpp"
#include "probes/fs/write_attempt.hpp"
#include "probes/probe.hpp"

namespace capprobe::probes::fs {

struct ReadonlyRootFacts {
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

ReadonlyRootFacts collect_readonly_root_facts(ProbeContext& ctx);
CapabilityResult judge_readonly_root(const ReadonlyRootFacts& facts);

}  // namespace capprobe::probes::fs
