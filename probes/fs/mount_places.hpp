// What the fs.* probes need to know about this process's mounts: which are kernel plumbing,
// which are kubelet/runtime-managed files, which come from the node, which are writable volumes.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "platform/platform.hpp"
#include "probes/common/mountinfo.hpp"

namespace capprobe::probes::fs {

// Kernel pseudo filesystems (proc, sysfs, cgroup*, devpts, mqueue...): never volumes.
bool is_pseudo_fs(std::string_view fs_type);

// Filesystems served over the network (nfs, cifs, ceph, glusterfs, sshfs...): a stat of one
// whose server is gone can block for minutes, and no host runtime socket lives on one.
bool is_remote_fs(std::string_view fs_type);

// Mount points under /proc, /sys or /dev: runtime plumbing, not places a workload keeps files.
bool is_system_mount_point(std::string_view mount_point);

// The single files kubelet and the runtime bind into every container.
bool is_kubelet_file(std::string_view mount_point);

// Read-only by the per-mount or the superblock options.
bool mount_says_read_only(const Mount& mount);

// Does the mount's source live on the node: a block device, a disk filesystem, or the host
// share of a VM-isolated pod (virtiofs/9p "kataShared")?
bool is_node_filesystem(const Mount& mount);

// Kubelet-managed volumes and files: emptyDir, configMap, secret, projected, /etc/hosts...
bool is_kubelet_managed(const Mount& mount);

// Mount points that look like writable volumes: rw, not pseudo, not "/", not under
// /proc, /sys, /dev, not kubelet's single files. Whether each is a directory is for the caller
// to check through the platform.
std::vector<std::string> writable_volume_points(const std::vector<Mount>& mounts);

// "a/b" + "c" with exactly one slash between them.
std::string join_path(std::string_view dir, std::string_view name);

}  // namespace capprobe::probes::fs
