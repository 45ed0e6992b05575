// What the fs.* probes need to know about this process's mounts: which are kernel plumbing,
// which are kubelet/runtime-managed files, which come from the node, which are writable volumes.
#pragma once

#include <optional>
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

// A hostPath-like mount: a node bind that kubelet does not manage, a bind of a subdirectory of
// a tmpfs (the node's /run/containerd, say), or any mount on the device that holds kubelet's
// own files (/etc/hosts...), which is the node's. No probe writes into one unless testing
// hostPath is its purpose (fs.host_path) and its summary says so. `mounts` are all visible ones.
bool is_host_path_mount(const Mount& mount, const std::vector<Mount>& mounts);

// Whether this process runs on the node itself rather than in a container: "/" is a whole disk
// filesystem from a block device (a container's root is an overlay, a bind of a directory, or a
// VM share). Then every other disk mount is the node's own.
bool runs_on_node(const std::vector<Mount>& mounts);

// A place where a probe may create its scratch entries: the temp dir or a writable volume.
struct WritePlace {
  std::string path;
  std::optional<std::string> off_limits;  // why nothing may be written there
};

// At most this many places (the temp dir included) are open for writing; the rest are marked
// as over the limit.
inline constexpr std::size_t kMaxWritePlaces = 16;

// The temp dir, then every writable volume mount, in that order and without repeats. A place is
// off limits when the pod asked for it read-only, it is a hostPath or the node's (see
// is_host_path_mount, runs_on_node), it is another container's root (an overlay), or it is past
// kMaxWritePlaces. fs.symlink writes in the others, and the residue sweeper sweeps them.
std::vector<WritePlace> write_places(const std::vector<Mount>& visible, const PodRequests& requests,
                                     const std::string& temp_dir);

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
