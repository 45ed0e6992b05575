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
//
// A field the API server refuses for the pod's spec.os.name (runAsUser in a windows pod,
// windowsOptions in a linux pod) is never a request: such a spec could not have started this
// pod. The parser leaves what it would have asked unknown and lists it in `refused`, and the
// registry says so in the results it fed (judge.hpp, explain_unknown_container).
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

// One volumeMount of this container.
struct VolumeMountRequest {
  std::string volume;
  std::string mount_path;
  std::string sub_path;  // subPath or subPathExpr; "" for the whole volume
  bool read_only = false;
};

// A volumeMount of this container with subPath or subPathExpr: `mount_path` shows the
// directory `sub_path` of volume `volume` (subPathExpr as written, its $(VAR)s unexpanded).
struct SubPathRequest {
  std::string volume;
  std::string mount_path;
  std::string sub_path;
  bool expression = false;  // subPathExpr rather than subPath
  bool read_only = false;
};

// An emptyDir volume and where this container mounts it (empty: it does not). medium is the
// API's word ("" for the node's disk, "Memory" for tmpfs); size_limit_bytes is sizeLimit.
struct EmptyDirRequest {
  std::string volume;
  std::string mount_path;
  std::string medium;
  std::optional<std::uint64_t> size_limit_bytes;
  bool read_only = false;
  bool sub_path = false;  // mounted through a subPath: the mount is not the whole volume
};

// spec.dnsConfig: what the kubelet adds to (or, for dnsPolicy None, makes all of) resolv.conf.
struct DnsOption {
  std::string name;                  // "ndots"
  std::optional<std::string> value;  // "2"
};
struct DnsConfigRequest {
  std::vector<std::string> nameservers;
  std::vector<std::string> searches;
  std::vector<DnsOption> options;
};

// A containers[].ports[] entry of this container that asks for a hostPort.
struct HostPortRequest {
  int container_port = 0;
  int host_port = 0;
  std::string protocol = "TCP";  // TCP, UDP, SCTP
  std::string host_ip;           // ports[].hostIP, when set
};

// A field this pod spec sets that the API server refuses for its spec.os.name: where the spec
// sets it ("spec.containers[0].securityContext.runAsUser"), and the capability whose request it
// would feed ("security.identity"; "" when no probe's request reads it).
struct RefusedRequest {
  std::string path;
  std::string capability;
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
  std::optional<std::string> run_as_user_name;  // Windows: windowsOptions.runAsUserName
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
  // spec.os.name as the spec writes it ("linux", "windows"); nullopt when it sets none.
  std::optional<std::string> os_name;
  // windowsOptions.hostProcess, each container's over the pod's. The API server makes every
  // container of a pod come out the same (all HostProcess or none), so this holds whichever
  // container this process is, also when which one is unknown. false when the spec sets none;
  // nullopt without a pod spec, when the containers disagree, or when a linux pod sets
  // windowsOptions (refused).
  std::optional<bool> host_process;
  // The container's volumeMounts with subPath/subPathExpr, and every mountPath it mounts at all
  // (to find where else a subPath's volume shows).
  std::optional<std::vector<SubPathRequest>> sub_paths;
  std::optional<std::vector<VolumeMountRequest>> volume_mounts;
  // The pod's emptyDir volumes, joined with this container's mounts of them.
  std::optional<std::vector<EmptyDirRequest>> empty_dirs;
  // spec.dnsPolicy as written (nullopt when the spec sets none: ClusterFirst), spec.dnsConfig.
  std::optional<std::string> dns_policy;
  std::optional<DnsConfigRequest> dns_config;
  // This container's ports with a hostPort (empty: none asked).
  std::optional<std::vector<HostPortRequest>> host_ports;
  // spec.automountServiceAccountToken (nullopt: not set, the service account decides), and
  // whether this container mounts the service-account directory (the API server's admission
  // adds that mount to a pod it stores).
  std::optional<bool> automount_service_account_token;
  std::optional<bool> mounts_service_account;
  // The fields the API server refuses for this pod's spec.os.name, where the spec sets them.
  std::vector<RefusedRequest> refused;
};

// Which part of the pod spec a probe's `requested` comes from (ProbeInfo::scope).
enum class SpecScope {
  pod,        // the pod's own fields, or none at all
  container,  // the container's fields: unknown when the pod spec's container could not be told
};

}  // namespace capprobe::probes
