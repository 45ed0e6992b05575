// fs.pipe_mount on Linux: host unix sockets, facts and verdict, split so the verdict can be tested
// as a table.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "probes/fs/pipe_mount.hpp"

namespace capprobe::probes::fs {

// The well-known host sockets a workload might find mounted in.
inline const std::vector<std::string> kWellKnownSockets = {
    "/run/containerd/containerd.sock",
    "/var/run/containerd/containerd.sock",
    "/var/run/docker.sock",
    "/run/docker.sock",
    "/run/crio/crio.sock",
    "/var/lib/kubelet/pod-resources/kubelet.sock",
    "/var/lib/kubelet/device-plugins/kubelet.sock",
};

// Socket names of container runtimes and the kubelet, looked for inside host-backed mounts: a
// DaemonSet usually mounts the directory (/run/containerd), not the socket.
inline const std::vector<std::string> kRuntimeSocketNames = {
    "containerd.sock", "docker.sock",  "crio.sock",   "cri-dockerd.sock",
    "dockershim.sock", "kubelet.sock", "podman.sock",
};

// Bounds of the search inside one mount: directory levels listed, directories and entries.
// /host + var/snap/microk8s/common/run/containerd.sock: six listings.
inline constexpr int kScanDepth = 6;
inline constexpr int kScanMaxDirs = 64;
inline constexpr int kScanMaxEntries = 4096;
inline constexpr std::size_t kMaxScannedMounts = 16;

// One mounted directory searched for runtime sockets.
struct SocketScan {
  std::string mount_point;
  int found = 0;
  int dirs_listed = 0;
  int entries_seen = 0;
  std::optional<std::string> stopped;  // why the search ended early (a cap, a timeout)
};

struct NotScanned {
  std::string mount_point;
  std::string reason;
};

struct LinuxPipeMountFacts {
  std::vector<Endpoint> endpoints;
  std::vector<std::string> skipped;          // not tried: out of time or over the endpoint limit
  std::vector<std::string> unanswered;       // tried, but the filesystem did not answer in time
  std::vector<SocketScan> scans;             // the mounted directories searched
  std::vector<NotScanned> not_scanned;       // mounted directories not searched, and why
  std::optional<std::int64_t> uid;           // this process's uid, for the "denied" summary
  std::optional<bool> requested;             // a requested hostPath looks like a socket
  std::vector<std::string> requested_paths;  // their mount paths in this container
  std::optional<std::string> mountinfo_error;
};

LinuxPipeMountFacts collect_linux_pipe_mount_facts(ProbeContext& ctx);
CapabilityResult judge_linux_pipe_mount(const LinuxPipeMountFacts& facts);

}  // namespace capprobe::probes::fs
