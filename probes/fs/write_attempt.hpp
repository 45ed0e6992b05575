// The write test shared by fs.readonly_root and fs.host_path: create one uniquely named file
// exclusively (never touching an existing one) and remove it at once; both outcomes are facts.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "platform/platform.hpp"
#include "probes/common/worker.hpp"

namespace capprobe::probes::fs {

struct WriteAttempt {
  std::string path;                                              // the file we tried to create
  std::optional<std::string> create_errno;                       // nullopt = created
  platform::ErrorKind create_kind = platform::ErrorKind::other;  // what a failed create means
  std::optional<std::string> remove_errno;  // nullopt = removed (or nothing to remove)
  std::optional<int> mount_id;              // the mount `path` lives on, when known
  // Why nothing was attempted (another mount, out of time) or the attempt did not answer
  // ("timed out after 1000 ms ..."): then create_errno is empty and nothing is known.
  std::optional<std::string> not_done;

  bool created() const { return !not_done && !create_errno; }
  bool left_behind() const { return remove_errno.has_value(); }
};

// `path` must be named after the run's scratch name so that the residue sweeper recognises it
// should the removal fail or the process die in between.
WriteAttempt try_write(platform::Platform& os, const std::string& path, const std::string& content);

// try_write on `worker`, abandoned after `limit`: the place may be a hung network or FUSE
// filesystem. A write that did not answer comes back with `not_done` set.
WriteAttempt try_write_bounded(Worker& worker, platform::Platform& os, const std::string& path,
                               const std::string& content, std::chrono::milliseconds limit);

}  // namespace capprobe::probes::fs
