// Sorting this process's mounts for the fs.* probes. The lists are the well-known names from
// Linux, kubelet and the container runtimes; anything unknown is treated as a plain volume.
#include "probes/fs/mount_places.hpp"

#include <algorithm>
#include <array>

#include "probes/common/text.hpp"

namespace capprobe::probes::fs {
namespace {

constexpr std::array<std::string_view, 24> kPseudoFilesystems = {
    "proc",     "sysfs",      "cgroup",     "cgroup2", "devpts",      "mqueue",
    "devtmpfs", "securityfs", "debugfs",    "tracefs", "pstore",      "bpf",
    "configfs", "fusectl",    "hugetlbfs",  "autofs",  "binfmt_misc", "nsfs",
    "efivarfs", "selinuxfs",  "rpc_pipefs", "nfsd",    "sockfs",      "pipefs",
};

constexpr std::array<std::string_view, 13> kRemoteFilesystems = {
    "nfs", "nfs4",   "cifs", "smb3",   "smbfs",      "ceph",           "glusterfs",
    "afs", "lustre", "gpfs", "beegfs", "fuse.sshfs", "fuse.glusterfs",
};

// Filesystems that only live on a disk of the node (or the VM the pod runs in).
constexpr std::array<std::string_view, 13> kDiskFilesystems = {
    "ext2", "ext3",     "ext4", "xfs",   "btrfs", "zfs",   "f2fs",
    "jfs",  "reiserfs", "vfat", "exfat", "ntfs",  "ntfs3",
};

constexpr std::array<std::string_view, 4> kKubeletFiles = {
    "/etc/hosts", "/etc/hostname", "/etc/resolv.conf", "/dev/termination-log"};

template <std::size_t N>
bool one_of(const std::array<std::string_view, N>& list, std::string_view item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

bool contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

std::string_view without_trailing_slash(std::string_view path) {
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  return path;
}

}  // namespace

bool is_pseudo_fs(std::string_view fs_type) {
  return one_of(kPseudoFilesystems, fs_type) || text::starts_with(fs_type, "cgroup");
}

bool is_remote_fs(std::string_view fs_type) {
  return one_of(kRemoteFilesystems, fs_type);
}

bool is_system_mount_point(std::string_view mount_point) {
  return at_or_under(mount_point, "/proc") || at_or_under(mount_point, "/sys") ||
         at_or_under(mount_point, "/dev");
}

bool is_kubelet_file(std::string_view mount_point) {
  return one_of(kKubeletFiles, mount_point);
}

bool mount_says_read_only(const Mount& mount) {
  return mount.has_option("ro");
}

bool is_node_filesystem(const Mount& mount) {
  if (one_of(kDiskFilesystems, mount.fs_type) || is_host_share_fs(mount.fs_type)) return true;
  if (mount.source == kKataShareSource) return true;
  // A block device source with a filesystem we do not know by name (e.g. a vendor's).
  return text::starts_with(mount.source, "/dev/") && !is_pseudo_fs(mount.fs_type) &&
         mount.fs_type != "tmpfs" && mount.fs_type != "overlay";
}

bool is_kubelet_managed(const Mount& mount) {
  if (is_kubelet_file(mount.mount_point)) return true;
  // The service-account token and friends, whatever backs them.
  if (at_or_under(mount.mount_point, "/var/run/secrets") ||
      at_or_under(mount.mount_point, "/run/secrets"))
    return true;
  // Kubelet keeps every pod volume under <root-dir>/pods/<uid>/volumes/kubernetes.io~<plugin>/,
  // the default root-dir being /var/lib/kubelet; a separate kubelet disk drops that prefix.
  const std::string_view root = mount.root;
  return contains(root, "kubelet/pods/") || contains(root, "/volumes/kubernetes.io~") ||
         (contains(root, "/pods/") &&
          (contains(root, "/etc-hosts") || contains(root, "/containers/")));
}

bool is_node_bind(const Mount& mount) {
  if (mount.mount_point == "/" || mount.root == "/") return false;
  if (is_system_mount_point(mount.mount_point) && !is_kubelet_file(mount.mount_point)) return false;
  return is_node_filesystem(mount);
}

bool is_host_path_mount(const Mount& mount, const std::vector<Mount>& mounts) {
  if (is_kubelet_managed(mount) || mount.mount_point == "/") return false;
  if (is_node_bind(mount)) return true;
  // A piece of a tmpfs: only a bind of a directory in someone's tmpfs (the node's /run) looks
  // like this; a tmpfs volume of the pod (emptyDir medium Memory, a secret) is mounted whole.
  if (mount.fs_type == "tmpfs" && mount.root != "/") return true;
  // The device kubelet's own files come from is the node's filesystem, whatever its type.
  return std::any_of(mounts.begin(), mounts.end(), [&](const Mount& other) {
    return is_kubelet_file(other.mount_point) && other.device == mount.device;
  });
}

bool runs_on_node(const std::vector<Mount>& mounts) {
  const auto root = mount_containing(mounts, "/");
  return root && root->root == "/" && text::starts_with(root->source, "/dev/") &&
         is_node_filesystem(*root);
}

std::vector<WritePlace> write_places(const std::vector<Mount>& visible, const PodRequests& requests,
                                     const std::string& temp_dir) {
  std::vector<WritePlace> places;
  const bool on_node = runs_on_node(visible);
  const auto why_not = [&](const std::string& path) -> std::optional<std::string> {
    if (asked_read_only(requests, path))
      return "the pod asked for it read-only: nothing is written";
    if (asked_host_path(requests, path)) return "a hostPath volume: nothing is written";
    const auto mount = mount_containing(visible, path);
    if (!mount || mount->mount_point == "/") return std::nullopt;
    if (mount->fs_type == "overlay" || mount->fs_type == "aufs")
      return "another container's root filesystem: nothing is written";
    if (is_host_path_mount(*mount, visible))
      return "a hostPath-like mount from the node: nothing is written";
    if (on_node && is_node_filesystem(*mount))
      return "one of the node's own disks (capprobe runs on the node): nothing is written";
    return std::nullopt;
  };
  const auto add = [&](const std::string& path) {
    const bool known = std::any_of(places.begin(), places.end(),
                                   [&](const auto& place) { return place.path == path; });
    if (!known && !path.empty()) places.push_back({path, why_not(path)});
  };
  add(temp_dir);
  for (const auto& point : writable_volume_points(visible)) add(point);
  std::size_t open = 0;
  for (auto& place : places) {
    if (place.off_limits) continue;
    if (open == kMaxWritePlaces)
      place.off_limits = "over the limit of " + std::to_string(kMaxWritePlaces) + " places";
    else
      ++open;
  }
  return places;
}

bool asked_read_only(const PodRequests& requests, std::string_view path) {
  if (requests.read_only_mounts)
    for (const auto& mount_path : *requests.read_only_mounts)
      if (!mount_path.empty() && at_or_under(path, without_trailing_slash(mount_path))) return true;
  if (requests.host_paths)
    for (const auto& host_path : *requests.host_paths)
      if (host_path.read_only && !host_path.mount_path.empty() &&
          at_or_under(path, without_trailing_slash(host_path.mount_path)))
        return true;
  return false;
}

bool asked_host_path(const PodRequests& requests, std::string_view path) {
  if (!requests.host_paths) return false;
  for (const auto& host_path : *requests.host_paths)
    if (!host_path.mount_path.empty() &&
        at_or_under(path, without_trailing_slash(host_path.mount_path)))
      return true;
  return false;
}

std::vector<std::string> writable_volume_points(const std::vector<Mount>& mounts) {
  std::vector<std::string> points;
  for (const auto& mount : visible_mounts(mounts)) {
    if (mount_says_read_only(mount) || is_pseudo_fs(mount.fs_type)) continue;
    if (mount.mount_point == "/" || is_system_mount_point(mount.mount_point)) continue;
    if (is_kubelet_file(mount.mount_point)) continue;
    points.push_back(mount.mount_point);
  }
  return points;
}

std::string join_path(std::string_view dir, std::string_view name) {
  while (!dir.empty() && dir.back() == '/') dir.remove_suffix(1);
  while (!name.empty() && name.front() == '/') name.remove_prefix(1);
  return std::string(dir) + "/" + std::string(name);
}

}  // namespace capprobe::probes::fs
