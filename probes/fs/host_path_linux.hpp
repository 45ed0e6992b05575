// fs.host_path on Linux: the node's mounts from mountinfo, facts and verdict, split so the verdict
// can be tested as a table.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "probes/fs/host_path.hpp"

namespace capprobe::probes::fs {

// A mount whose source is one of the node's filesystems (or the host share of a VM pod).
struct NodeMount {
  std::string mount_point;
  std::string host_path;  // the mount's root field: the directory of the source filesystem
  std::string source;
  std::string fs_type;
  bool read_only = false;        // by its mount options
  bool kubelet_managed = false;  // emptyDir, configMap, secret, projected, /etc/hosts...
  // The write test: "ok", the errno name, "timed_out" (the filesystem did not answer in time,
  // `write_detail` says how long), or why it was not tried ("skipped_read_only",
  // "skipped_kubelet", "skipped_requested_read_only", "skipped_not_directory", "skipped_limit":
  // over the write-test count or out of time).
  std::string write = "skipped_read_only";
  std::string write_detail;
  std::optional<std::string> remove_errno;  // the test file could not be removed
};

struct HostPathFinding {
  HostPathRequest request;
  std::optional<NodeMount> mount;  // the mount at request.mount_path, if any
};

struct LinuxHostPathFacts {
  std::vector<NodeMount> mounts;                         // node bind mounts, both kinds
  std::optional<std::vector<HostPathRequest>> requests;  // as the pod spec gave them
  std::vector<HostPathFinding> findings;                 // requests this container mounts
  std::optional<std::string> mountinfo_error;
};

LinuxHostPathFacts collect_linux_host_path_facts(ProbeContext& ctx);
CapabilityResult judge_linux_host_path(const LinuxHostPathFacts& facts);

}  // namespace capprobe::probes::fs
