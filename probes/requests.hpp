// What the pod spec asked for, as far as capprobe knows (from --pod-spec, or in-cluster later).
// Every field is optional: nullopt means "unknown", which the results report as requested: null.
// When a pod spec *was* given, a field it leaves out takes the Kubernetes default (hostPID
// unset = false), so the parser fills those as false rather than unknown.
//
// Some fields are the pod's (hostNetwork, hostPID, hostIPC, runtimeClassName, supplementalGroups
// and fsGroup, the hostPath volumes as volumes) and some are the container's (its
// securityContext, over the pod's where both can say it; resources; volumeMounts). When the pod
// spec does not tell which container this process is, the container's fields stay nullopt:
// unknown, not the default. Judges ask probes/common/judge.hpp (requested_when) rather than
// reading from_pod_spec, so that the two cases cannot be mixed up.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace capprobe::probes {

struct HostPathRequest {
  std::string volume;      // the volume's name
  std::string host_path;   // path on the node
  std::string mount_path;  // where this container mounts it; empty: it does not, or not known
  bool read_only = false;
};

struct PodRequests {
  bool from_pod_spec = false;  // a pod spec was given at all
  // Set when a pod spec was given but which of its containers this process runs in could not be
  // told, saying why ("the pod has 2 containers (app, probe) and neither --container nor
  // CAPPROBE_CONTAINER names one"). The container's fields below are then all nullopt.
  std::optional<std::string> container_unknown;
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
  // The container this process runs in: named by --container or CAPPROBE_CONTAINER, or the pod
  // spec's only one. nullopt when not known.
  std::optional<std::string> container_name;
};

// Which part of the pod spec a probe's `requested` comes from (ProbeInfo::scope).
enum class SpecScope {
  pod,        // the pod's own fields, or none at all
  container,  // the container's fields: unknown when the pod spec's container could not be told
};

}  // namespace capprobe::probes
