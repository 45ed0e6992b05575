// fs.host_path on Windows: hostPath volumes are bind-mounted directories, and Windows shows no
// mount table, so the pod spec's mount paths are the list: is each there, what it is (WS2016-era
// builds show a volume as a link to \\?\ContainerMappedDirectories\<GUID>), and does a write
// work (not where the pod asked read-only). A HostProcess container sees the node's filesystem
// directly, and its volumes also under CONTAINER_SANDBOX_MOUNT_POINT (containerd 1.6).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "platform/result.hpp"
#include "probes/fs/host_path.hpp"

namespace capprobe::probes::fs {

struct WindowsHostPathMount {
  HostPathRequest request;
  // Where it was looked for: the mount path, or the same path under the sandbox mount point.
  std::string looked_at;
  // "directory"; "mapped_link" (a link to \\?\ContainerMappedDirectories\...), "link" (another
  // link); "file"; "missing"; "unanswered" (the filesystem did not answer, or no time was left:
  // `write_detail` says which); or the error's name when looking failed otherwise.
  std::string presence = "missing";
  std::optional<std::string> link_target;
  // The write test: "ok", the error's name, "timed_out", or why it was not tried
  // ("skipped_requested_read_only", "skipped_not_directory", "skipped_missing",
  // "skipped_limit": over the write-test count or out of time).
  std::string write = "skipped_missing";
  platform::ErrorKind write_kind = platform::ErrorKind::other;
  std::string write_detail;
  std::optional<std::string> remove_errno;  // the test file could not be removed
};

struct WindowsHostPathFacts {
  std::optional<std::vector<HostPathRequest>> requests;  // as the pod spec gave them
  std::vector<WindowsHostPathMount> mounts;  // the requests this container mounts, pipes aside
  std::vector<HostPathRequest> pipes;        // named-pipe hostPaths: fs.pipe_mount's to try
  bool host_process = false;
  std::optional<std::string> sandbox_mount_point;
};

// "ok", "missing", "forced_read_only" (read-write asked, the volume refuses writes as
// write-protected) or "unanswered".
std::string windows_host_path_state(const WindowsHostPathMount& mount);

WindowsHostPathFacts collect_windows_host_path_facts(ProbeContext& ctx);
CapabilityResult judge_windows_host_path(const WindowsHostPathFacts& facts);

}  // namespace capprobe::probes::fs
