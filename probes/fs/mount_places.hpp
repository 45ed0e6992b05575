// What the fs.* probes need to know about this process's mounts: which are kernel plumbing,
// which are kubelet/runtime-managed files, which come from the node, which are writable volumes.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "platform/platform.hpp"
#include "probes/common/mountinfo.hpp"
#include "probes/requests.hpp"

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

// A bind of a directory of one of the node's filesystems (not the container's own root): a
// hostPath volume, or one of kubelet's own (emptyDir, configMap...; see is_kubelet_managed).
bool is_node_bind(const Mount& mount);

// A hostPath-like mount: a node bind that kubelet does not manage. No probe writes into one
// unless testing hostPath is its purpose (fs.host_path) and its summary says so.
bool is_host_path_mount(const Mount& mount);

// Whether the pod spec asked for `path` (or a mount above it) to be read-only: a volumeMount
// with readOnly: true, whatever the volume. No probe writes there, even if the runtime mounted
// it writable.
bool asked_read_only(const PodRequests& requests, std::string_view path);

// Whether `path` is at or under a hostPath volume the pod spec mounts in this container.
bool asked_host_path(const PodRequests& requests, std::string_view path);

// Mount points that look like writable volumes: rw, not pseudo, not "/", not under
// /proc, /sys, /dev, not kubelet's single files. Whether each is a directory is for the caller
// to check through the platform.
std::vector<std::string> writable_volume_points(const std::vector<Mount>& mounts);

// "a/b" + "c" with exactly one slash between them.
std::string join_path(std::string_view dir, std::string_view name);

}  // namespace capprobe::probes::fs
