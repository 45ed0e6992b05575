// What the fs.* probes' Windows collectors need to know about paths: Windows compares them without
// case and with either separator, there is no mount table (the pod spec's mount paths are the
// only volumes known), named pipes live under \\.\pipe\, and a HostProcess container sees the
// node's own filesystem.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "platform/platform.hpp"
#include "probes/fs/mount_places.hpp"
#include "probes/requests.hpp"

namespace capprobe::probes::fs {

// A path as Windows compares it: lower case, backslashes, no trailing separator (but "c:\"),
// and a drive for a rooted path without one ("/data" and "\data" are "c:\data", kubelet's
// NormalizePath rule). Pipe and UNC paths keep their leading "\\".
std::string win_path_key(std::string_view path);

// Whether `path` is `dir` or lies below it, compared as Windows does.
bool win_at_or_under(std::string_view path, std::string_view dir);

// `dir` + `name` with the separator `dir` already uses (a backslash, or "/" when it has none),
// exactly one between them.
std::string win_join(std::string_view dir, std::string_view name);

// The prefix of a named pipe's path, \\.\pipe\ (also written //./pipe/).
inline constexpr std::string_view kPipePrefix = "\\\\.\\pipe\\";

// The pipe name of a path under \\.\pipe\ ("containerd-containerd"), or nullopt.
std::optional<std::string> pipe_name_of(std::string_view path);

// Whether the pod spec asked for `path` (or a mount above it) to be read-only, or mounts a
// hostPath there: asked_read_only and asked_host_path of mount_places.hpp, compared as Windows
// does.
bool win_asked_read_only(const PodRequests& requests, std::string_view path);
bool win_asked_host_path(const PodRequests& requests, std::string_view path);

// The places a probe may write its scratch entries in on Windows: the temp dir, then the mount
// paths the pod spec gives (hostPath volumes and read-only mounts; named pipes are no places),
// each marked off limits by the same rules as write_places: asked read-only, a hostPath, past
// kMaxWritePlaces. Windows has no mount table, so a volume the pod spec does not name is not
// known.
std::vector<WritePlace> win_write_places(const PodRequests& requests, const std::string& temp_dir);

// A HostProcess container: containerd sets CONTAINER_SANDBOX_MOUNT_POINT in every one (the
// container's own volume on the node, C:\hpc\<id>\ or C:\hpc\); the process then runs on the
// node with its filesystem and named pipes, and the pod's volume mounts are also reachable
// under that mount point (containerd 1.6) or at their mount paths (containerd 1.7 and later).
struct HostProcessSignal {
  bool host_process = false;
  std::optional<std::string> sandbox_mount_point;
};
HostProcessSignal host_process_of(const platform::Platform& os);

}  // namespace capprobe::probes::fs
