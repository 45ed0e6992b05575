// fs.pipe_mount: facts and verdict, split so the verdict can be tested as a table.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "probes/probe.hpp"

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

struct Endpoint {
  std::string path;
  std::string origin;  // "well_known", "mount" (a mount point that is a socket), "requested"
  // "connected", "refused" (ECONNREFUSED, also ETIMEDOUT/EAGAIN), "denied" (EACCES/EPERM),
  // "absent" (ENOENT).
  std::string state;
  std::optional<std::string> error;      // the errno name behind the state; nullopt when connected
  std::optional<std::string> file_kind;  // what lstat saw: "socket", "regular", "symlink"...
};

struct PipeMountFacts {
  std::vector<Endpoint> endpoints;
  std::vector<std::string> skipped;          // not tried: out of time or over the endpoint limit
  std::optional<bool> requested;             // a requested hostPath looks like a socket
  std::vector<std::string> requested_paths;  // their mount paths in this container
  std::optional<std::string> mountinfo_error;
};

// Maps a connect outcome (errno name, or nullopt for success) to the endpoint state.
std::string endpoint_state(const std::optional<std::string>& connect_error);

PipeMountFacts collect_pipe_mount_facts(ProbeContext& ctx);
CapabilityResult judge_pipe_mount(const PipeMountFacts& facts);

}  // namespace capprobe::probes::fs
