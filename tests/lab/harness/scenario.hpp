// A lab scenario: one JSON declaration of an environment (a runc container or a QEMU guest),
// how capprobe is run in it, and what its report must show. Parsing is strict: an unknown key
// is an error, so that a typo cannot quietly turn a check into no check.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

namespace capprobe::lab {

using nlohmann::json;

struct CpuQuota {
  std::int64_t quota_us = 0;
  std::int64_t period_us = 0;
};

// A unix socket made on the host and bind-mounted into the container at `path`.
struct HostSocket {
  std::string path;
  bool listening = true;  // false: bound, then closed, so a connect is refused
};

// A host directory (made in the scenario's scratch space) bind-mounted like a hostPath volume.
struct HostDir {
  std::string name;        // the directory's name on the host, and {{host_dir.<name>}}
  std::string mount_path;  // where the container sees it
  bool read_only = false;
  std::string sub_path;  // a subdirectory of it mounted instead (as a subPath is); "" = all
};

// A tmpfs mounted in the container, size-limited like a memory emptyDir with a sizeLimit.
struct TmpfsMount {
  std::string mount_path;
  std::int64_t size_bytes = 0;
};

// A DNS server on the host's loopback for the scenario's run: A records, NXDOMAIN otherwise.
struct DnsServerEnv {
  std::string address;                         // "127.0.0.77": port 53 of it
  std::map<std::string, std::string> records;  // "kubernetes.default.svc.cluster.local" -> IPv4
};

// A TCP forwarder on the host's loopback (a node forwarding a hostPort).
struct PortForwardEnv {
  std::string listen;
  int listen_port = 0;
  std::string to;
  int to_port = 0;
};

struct User {
  std::int64_t uid = 0;
  std::int64_t gid = 0;
  std::vector<std::int64_t> additional_gids;
};

struct ContainerEnv {
  bool read_only_root = false;
  std::set<std::string> host_namespaces;  // OCI namespace types left out: "pid", "network"...
  std::optional<CpuQuota> cpu;
  std::optional<std::int64_t> memory_limit_bytes;
  std::vector<HostSocket> host_sockets;
  std::vector<HostDir> host_dirs;
  std::optional<User> user;
  // Bounding, effective and permitted set (ambient and inheritable stay empty). Default:
  // containerd's default set, what a Kubernetes pod gets without a securityContext.
  std::vector<std::string> capabilities;
  std::optional<json> seccomp;  // an OCI linux.seccomp object
  bool no_new_privileges = false;
  json oci_merge_patch = json::object();  // RFC 7396 patch over config.json, for anything else
  std::vector<TmpfsMount> tmpfs_mounts;
  std::map<std::string, std::string> files;  // container path -> content, bound read-only
  std::vector<std::string> env;              // more of the process's environment, "K=V"
  // A network namespace of the lab's own (loopback up) that the container joins; dns_server and
  // port_forwards serve in it and imply it.
  bool lab_network = false;
  std::optional<DnsServerEnv> dns_server;
  std::vector<PortForwardEnv> port_forwards;
};

struct NumaNode {
  std::vector<int> cpus;
  std::int64_t memory_mib = 0;
};

// The cgroup v2 group the guest puts capprobe in, with the limits it sets on it.
struct GuestCgroup {
  std::string path;                    // "/system.slice/capprobe.service"
  std::optional<std::string> cpu_max;  // "50000 100000"
  std::optional<std::int64_t> memory_max_bytes;
  bool memory_oom_group = false;
};

struct VmEnv {
  std::string flavor;  // "plain": capprobe run by the guest's init; "kata": a Kata-like sandbox
  std::vector<NumaNode> numa_nodes;  // one node per entry; the guest's CPUs and memory
  std::optional<GuestCgroup> cgroup;
  std::vector<std::string> kernel_args;  // added to the kernel command line
};

struct Scenario {
  std::string name;  // the file name without .json
  std::filesystem::path file;
  std::string description;
  int timeout_s = 0;  // the scenario's whole budget (ctest's TIMEOUT reads the same key)
  std::variant<ContainerEnv, VmEnv> environment;
  std::vector<std::string> capprobe_args;
  std::optional<json> pod_spec;  // written into the environment and passed with --pod-spec
  json expect;                   // matched against report_view(report)
};

// Reads and validates a scenario file; throws std::runtime_error saying what is wrong where.
Scenario load_scenario(const std::filesystem::path& file);

// containerd's default capability set (oci.WithDefaultSpec), the Kubernetes default.
const std::vector<std::string>& default_capabilities();

}  // namespace capprobe::lab
