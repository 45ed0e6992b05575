// fs.readonly_root: facts and verdict, split so the verdict can be tested as a table.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "probes/common/mountinfo.hpp"
#include "probes/probe.hpp"

namespace capprobe::probes::fs {

struct WriteAttempt {
  std::string path;                         // the file we tried to create
  std::optional<std::string> create_errno;  // nullopt = created
  std::optional<std::string> remove_errno;  // nullopt = removed (or nothing to remove)
};

struct ReadonlyRootFacts {
  WriteAttempt root;                 // the mandatory write in "/"
  std::vector<WriteAttempt> others;  // /etc and /var/tmp, for evidence only
  std::optional<bool> statvfs_read_only;
  std::optional<std::string> statvfs_errno;
  std::optional<Mount> root_mount;  // the mount holding "/"
  std::optional<std::string> mountinfo_error;
  std::optional<bool> requested;  // readOnlyRootFilesystem
};

ReadonlyRootFacts collect_readonly_root_facts(ProbeContext& ctx);
CapabilityResult judge_readonly_root(const ReadonlyRootFacts& facts);

}  // namespace capprobe::probes::fs
