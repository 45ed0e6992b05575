// Sample report generation; deterministic for a given seed, apart from a new report_id.
#include "sample_report.hpp"

#include <random>

#include "agent/report.hpp"

namespace capprobe::collector::testing {
namespace {

using nlohmann::json;

json result(const std::string& id, const std::string& status, const std::string& observed,
            json requested, const std::string& summary, json evidence) {
  return {{"id", id},
          {"status", status},
          {"observed", observed},
          {"requested", requested},
          {"summary", summary},
          {"evidence", std::move(evidence)},
          {"duration_ms", 3}};
}

json mount(std::size_t i, const std::string& node) {
  return {{"mount_point", "/var/lib/kubelet/pods/3f0c" + std::to_string(1000 + i) +
                              "-aa1b-4c2d-9e8f/volumes/kubernetes.io~projected/kube-api-" +
                              std::to_string(i)},
          {"source", "tmpfs"},
          {"fs_type", i % 3 == 0 ? "overlay" : "tmpfs"},
          {"options", "rw,nosuid,nodev,relatime,size=" + std::to_string(4096 * (i + 1)) + "k"},
          {"read_only", i % 4 == 0},
          {"from_node", i % 5 == 0},
          {"major_minor", "0:" + std::to_string(40 + i)},
          {"propagation", node.empty() ? "private" : "rslave"}};
}

}  // namespace

json sample_report(const SampleOptions& options) {
  std::mt19937 random(options.seed);
  const auto pick = [&](int n) { return static_cast<int>(random() % static_cast<unsigned>(n)); };
  const bool vm = options.subject.environment == "vm_guest";
  const auto& subject = options.subject;

  json locations = json::array();
  for (const char* path : {"/tmp", "/var/run/secrets", "/data", "/cache"})
    locations.push_back({{"path", path},
                         {"file_absolute", "ok"},
                         {"file_relative", "ok"},
                         {"dir_absolute", pick(7) == 0 ? "EPERM" : "ok"},
                         {"dir_relative", "ok"}});
  json numa_nodes = json::array();
  for (int n = 0; n < 2; ++n) {
    json cpus = json::array();
    for (int c = 0; c < 8; ++c) cpus.push_back(n * 8 + c);
    numa_nodes.push_back({{"id", n}, {"cpus", cpus}, {"memory_bytes", 17179869184LL}});
  }
  json results = json::array();
  results.push_back(result("fs.symlink", pick(5) == 0 ? "partial" : "supported", "ok", nullptr,
                           "file and directory symlinks work in every writable location",
                           {{"locations", locations}}));
  results.push_back(result("fs.readonly_root", "supported", "writable", false,
                           "/ is writable (readOnlyRootFilesystem not requested)",
                           {{"write_errno", nullptr}, {"statvfs_read_only", false}}));
  json mounts = json::array();
  results.push_back(result("fs.host_path", vm ? "partial" : "supported", "read_write", true,
                           "hostPath volumes are mounted from the node", {{"mounts", mounts}}));
  results.push_back(
      result("fs.pipe_mount", "unsupported", "absent", nullptr, "no host IPC endpoint is mounted",
             {{"endpoints", json::array({{{"path", "/run/containerd/containerd.sock"},
                                          {"kind", "unix_socket"},
                                          {"state", "absent"}},
                                         {{"path", "/var/lib/kubelet/pod-resources/kubelet.sock"},
                                          {"kind", "unix_socket"},
                                          {"state", "absent"}}})}}));
  results.push_back(result("host.network", "untested", "isolated", nullptr,
                           "hostNetwork was not requested; this pod has its own network namespace",
                           {{"namespace", "net:[4026532" + std::to_string(200 + pick(99)) + "]"}}));
  if (options.request_host_pid)
    results.push_back(result(
        "host.pid", "unsupported", "isolated", true,
        "hostPID was requested but this pod has its own PID namespace",
        {{"namespace", "pid:[4026532301]"}, {"pid1_comm", "pause"}, {"kubelet_visible", false}}));
  else
    results.push_back(result("host.pid", "untested", "isolated", false, "hostPID was not requested",
                             {{"namespace", "pid:[4026532301]"}}));
  results.push_back(result("host.ipc", "untested", "isolated", nullptr, "hostIPC unknown",
                           {{"namespace", "ipc:[4026532299]"}}));
  results.push_back(result("resources.cpu_limit", pick(4) == 0 ? "partial" : "supported",
                           "enforced", true,
                           "the 2-CPU limit is enforced: the burn measured 1.98 CPUs",
                           {{"limit_cpus", 2.0},
                            {"limit_source", "cgroup_v2"},
                            {"measured_cpus", 1.98},
                            {"visible_cpus", 16},
                            {"quota_us", 200000},
                            {"period_us", 100000}}));
  results.push_back(result("resources.memory_limit", "supported", "enforced", true,
                           "the 256 MiB limit is enforced: the child was OOM-killed at 255 MiB",
                           {{"limit_bytes", 268435456},
                            {"limit_source", "cgroup_v2"},
                            {"outcome", "oom_killed"},
                            {"reached_bytes", 267386880}}));
  results.push_back(result("topology.numa", "supported", "numa", nullptr, "2 NUMA nodes visible",
                           {{"node_count", 2},
                            {"nodes", numa_nodes},
                            {"allowed_cpus", "0-15"},
                            {"allowed_nodes", "0-1"}}));
  results.push_back(result(
      "isolation.kernel", "supported", vm ? "vm_guest" : "shared_kernel", nullptr,
      vm ? "runs in its own guest kernel (kata on kvm)" : "shares the node's kernel",
      {{"hypervisor", vm ? json("kvm") : json(nullptr)},
       {"flavor", vm ? json("kata") : json(nullptr)},
       {"signals", json::array({"cpuid_hypervisor_bit", "dmi_absent", "virtio_devices"})},
       {"boot_id", "5d2c7a9e-8f1b-4c3d-a2e6-" + std::to_string(100000000000 + pick(99999))}}));
  results.push_back(result("security.identity", "supported", "non_root", nullptr,
                           "uid 1000, gid 1000, groups 1000,2000",
                           {{"uid", 1000}, {"gid", 1000}, {"groups", json::array({1000, 2000})}}));
  results.push_back(
      result("security.capabilities", "supported", "default", nullptr,
             "the default capability set; NoNewPrivs is set",
             {{"effective",
               json::array({"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
                            "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE",
                            "CAP_SYS_CHROOT", "CAP_MKNOD", "CAP_AUDIT_WRITE", "CAP_SETFCAP"})},
              {"bounding", "00000000a80425fb"},
              {"no_new_privs", true},
              {"privileged", false}}));
  results.push_back(
      result("security.confinement", pick(3) == 0 ? "error" : "supported", "seccomp_filter",
             nullptr, "seccomp filter mode; AppArmor unconfined",
             {{"seccomp", "filter"}, {"apparmor", "unconfined"}, {"selinux", nullptr}}));
  results.push_back(
      result("platform.os", "supported", "linux", nullptr,
             "Debian GNU/Linux 12, kernel 6.1.0-18-amd64, amd64",
             {{"os", "linux"}, {"version", "Debian GNU/Linux 12"}, {"kernel", "6.1.0-18-amd64"}}));

  json report = {
      {"schema", "capprobe.report/v1"},
      {"report_id", options.report_id.empty() ? agent::new_report_id() : options.report_id},
      {"agent", {{"version", "0.1.0"}, {"mode", "agent"}}},
      {"subject",
       {{"node", subject.node},
        {"pod", subject.pod ? json(*subject.pod) : json(nullptr)},
        {"container", subject.container ? json(*subject.container) : json(nullptr)},
        {"runtime_class", subject.runtime_class ? json(*subject.runtime_class) : json(nullptr)},
        {"os", subject.os},
        {"arch", "amd64"},
        {"os_version", "Debian GNU/Linux 12"},
        {"kernel", "6.1.0-18-amd64"},
        {"environment", subject.environment}}},
      {"started_at", options.started_at},
      {"duration_ms", 1240},
      {"results", results}};

  // Grow the host_path mount list until the report reaches its target size.
  auto& host_path_mounts = report["results"][2]["evidence"]["mounts"];
  const std::size_t base = report.dump().size();
  const std::size_t per_mount = mount(0, subject.node).dump().size() + 1;
  for (std::size_t i = 0; base + i * per_mount < options.target_bytes; ++i)
    host_path_mounts.push_back(mount(i, subject.node));
  return report;
}

std::string sample_report_text(const SampleOptions& options) {
  return sample_report(options).dump();
}

}  // namespace capprobe::collector::testing
