// fs.pipe_mount, what both OSes share: the catalog entry and an endpoint's facts and states.
// Linux tries host unix sockets (pipe_mount_linux.hpp), Windows named pipes
// (pipe_mount_windows.hpp); both connect and close, and never send anything.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "platform/result.hpp"
#include "probes/probe.hpp"

namespace capprobe::probes::fs {

ProbeInfo pipe_mount_info();

struct Endpoint {
  std::string path;  // "/run/containerd/containerd.sock", "\\.\pipe\containerd-containerd"
  // "well_known", "mount" (a mount point that is a socket), "requested", "scan" (found by name
  // inside a mounted directory), "listed" (found in the \\.\pipe\ listing)
  std::string origin;
  // "connected", "refused" (ECONNREFUSED, also ETIMEDOUT/EAGAIN; ERROR_PIPE_BUSY), "denied"
  // (EACCES/EPERM; ERROR_ACCESS_DENIED), "absent" (ENOENT; ERROR_FILE_NOT_FOUND).
  std::string state;
  std::optional<std::string> error;  // the error's name behind the state; nullopt when connected
  std::optional<std::string> file_kind;  // what lstat saw: "socket", "regular", "symlink"...
  std::vector<std::string> aliases;      // other paths to the same socket (same device, inode)
};

// Maps a connect outcome (the error's kind, or nullopt for success) to the endpoint state.
std::string endpoint_state(const std::optional<platform::ErrorKind>& connect_error);

}  // namespace capprobe::probes::fs
