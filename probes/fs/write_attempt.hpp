// The write test shared by fs.readonly_root and fs.host_path: create one uniquely named file
// exclusively (never touching an existing one) and remove it at once; both outcomes are facts.
#pragma once

#include <optional>
#include <string>

#include "platform/platform.hpp"

namespace capprobe::probes::fs {

struct WriteAttempt {
  std::string path;                         // the file we tried to create
  std::optional<std::string> create_errno;  // nullopt = created
  std::optional<std::string> remove_errno;  // nullopt = removed (or nothing to remove)
  std::optional<int> mount_id;              // the mount `path` lives on, when known

  bool created() const { return !create_errno; }
  bool left_behind() const { return remove_errno.has_value(); }
};

// `path` must be named after the run's scratch name so that the residue sweeper recognises it
// should the removal fail or the process die in between.
WriteAttempt try_write(platform::Platform& os, const std::string& path, const std::string& content);

}  // namespace capprobe::probes::fs
