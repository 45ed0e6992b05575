// What the pod spec asked for, as far as capprobe knows (from --pod-spec, or in-cluster later).
// Every field is optional: nullopt means "unknown", which the results report as requested: null.
// When a pod spec *was* given, a field it leaves out takes the Kubernetes default (hostPID
// unset = false), so the parser fills those as false rather than unknown.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace capprobe::probes {

struct HostPathRequest {
  std::string volume;      // the volume's name
  std::string host_path;   // path on the node
  std::string mount_path;  // where the container mounts it; empty when no container mounts it
  bool read_only = false;
};

struct PodRequests {
  bool from_pod_spec = false;  // a pod spec was given at all
  std::optional<bool> host_network;
  std::optional<bool> host_pid;
  std::optional<bool> host_ipc;
  std::optional<bool> read_only_root;
  std::optional<double> cpu_limit_cpus;    // resources.limits.cpu in CPUs (0.5 = 500m)
  std::optional<double> cpu_request_cpus;  // resources.requests.cpu
  std::optional<std::uint64_t> memory_limit_bytes;
  std::optional<std::vector<HostPathRequest>> host_paths;
  // Every mountPath this container mounts with readOnly: true, whatever the volume type. No
  // probe writes below one of them, even when the runtime mounted it writable. When the
  // container cannot be told, the union over all containers: this list is for safety.
  std::optional<std::vector<std::string>> read_only_mounts;
  std::optional<std::int64_t> run_as_user;
  std::optional<std::int64_t> run_as_group;
  std::optional<std::vector<std::int64_t>> supplemental_groups;
  std::optional<std::string> run_as_user_name;  // Windows
  std::optional<bool> privileged;
  std::optional<std::vector<std::string>> capabilities_add;  // "NET_ADMIN" (no CAP_ prefix)
  std::optional<std::vector<std::string>> capabilities_drop;
  // Confinement, the container's securityContext over the pod's. Profile types are the API's
  // words ("RuntimeDefault", "Localhost", "Unconfined"); nullopt when the spec does not set one.
  std::optional<std::string> seccomp_profile;
  std::optional<std::string> apparmor_profile;    // appArmorProfile.type or the beta annotation
  std::optional<std::string> apparmor_localhost;  // the Localhost profile's name, when given
  std::optional<std::string> selinux_type;        // seLinuxOptions.type
  std::optional<bool> allow_privilege_escalation;
  std::optional<std::string> runtime_class;
  std::optional<std::string> pod_name;
  std::optional<std::string> pod_namespace;
  std::optional<std::string> container_name;
};

}  // namespace capprobe::probes
