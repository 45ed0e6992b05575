// fs.pipe_mount on Windows: the node's named pipes (container runtime, kubelet, CSI proxy) that
// this container can reach, found in the \\.\pipe\ listing and by their well-known names (the
// listing fails on Wine), connected and closed, nothing sent. A Windows container sees a node
// pipe only when it is mounted (a hostPath of \\.\pipe\<name>); a HostProcess container gets no
// pipe mounts and sees the node's pipes directly.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "probes/fs/pipe_mount.hpp"

namespace capprobe::probes::fs {

// Pipes runtimes, kubelet and CSI proxy serve on Windows nodes (sources in
// tests/fixtures/win-NOTES.md): containerd's and cri-dockerd's default addresses, Docker
// Engine, kubelet's dockershim (before 1.24) and pod-resources API, and CSI proxy's API groups.
inline const std::vector<std::string> kWellKnownPipes = {
    "containerd-containerd",
    "docker_engine",
    "cri-dockerd",
    "dockershim",
    "kubelet-pod-resources",
    "csi-proxy-filesystem-v1",
    "csi-proxy-disk-v1",
    "csi-proxy-volume-v1",
    "csi-proxy-smb-v1",
    "csi-proxy-system-v1alpha1",
    "csi-proxy-iscsi-v1alpha2",
    "csi-proxy-filesystem-v1beta1",
    "csi-proxy-smb-v1beta1",
};

// A listed pipe whose name starts with one of these is a runtime's, kubelet's or CSI proxy's,
// and is tried too (other versions, other instances); the node's other pipes are left alone.
inline const std::vector<std::string> kRuntimePipePrefixes = {
    "containerd", "docker", "cri-", "dockershim", "kubelet", "csi-proxy-"};

inline constexpr std::size_t kMaxPipeEndpoints = 32;

struct WindowsPipeMountFacts {
  std::vector<Endpoint> endpoints;  // path \\.\pipe\<name>
  // The names of the \\.\pipe\ listing, or why it failed (ERROR_BAD_DEV_TYPE on Wine).
  std::optional<std::vector<std::string>> listed;
  std::optional<std::string> listing_error;
  std::vector<std::string> skipped;  // not tried: over the endpoint limit or out of time
  std::optional<bool> requested;     // this container mounts a hostPath of a named pipe
  std::vector<std::string> requested_paths;
  bool host_process = false;
};

WindowsPipeMountFacts collect_windows_pipe_mount_facts(ProbeContext& ctx);
CapabilityResult judge_windows_pipe_mount(const WindowsPipeMountFacts& facts);

}  // namespace capprobe::probes::fs
