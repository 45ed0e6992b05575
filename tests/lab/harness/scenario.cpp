// Strict parsing of a scenario declaration (see scenario.hpp and tests/lab/README.md).
#include "tests/lab/harness/scenario.hpp"

#include <algorithm>
#include <initializer_list>
#include <stdexcept>

#include "tests/lab/harness/util.hpp"

namespace capprobe::lab {
namespace {

[[noreturn]] void bad(const std::string& where, const std::string& what) {
  throw std::runtime_error(where + ": " + what);
}

void only_keys(const json& object, const std::string& where,
               std::initializer_list<const char*> allowed) {
  if (!object.is_object()) bad(where, "expected an object");
  for (const auto& [key, _] : object.items())
    if (std::none_of(allowed.begin(), allowed.end(), [&](const char* k) { return key == k; }))
      bad(where, "unknown key \"" + key + "\"");
}

template <typename T>
T get(const json& object, const char* key, const std::string& where, T fallback) {
  if (!object.contains(key)) return fallback;
  try {
    return object.at(key).get<T>();
  } catch (const json::exception& error) {
    bad(where + "." + key, error.what());
  }
}

template <typename T>
T need(const json& object, const char* key, const std::string& where) {
  if (!object.contains(key)) bad(where, "missing \"" + std::string(key) + "\"");
  return get<T>(object, key, where, T{});
}

ContainerEnv parse_container(const json& in, const std::string& where) {
  only_keys(in, where,
            {"read_only_root", "host_namespaces", "cpu", "memory_limit_bytes", "host_sockets",
             "host_dirs", "user", "capabilities", "seccomp", "no_new_privileges", "oci_merge_patch",
             "tmpfs_mounts", "files", "env", "lab_network", "dns_server", "port_forwards"});
  ContainerEnv env;
  env.read_only_root = get<bool>(in, "read_only_root", where, false);
  for (const auto& ns : get<std::vector<std::string>>(in, "host_namespaces", where, {})) {
    static const std::set<std::string> known = {"pid", "network", "ipc", "uts", "mount", "cgroup"};
    if (!known.count(ns)) bad(where + ".host_namespaces", "unknown namespace \"" + ns + "\"");
    env.host_namespaces.insert(ns);
  }
  if (in.contains("cpu")) {
    const auto& cpu = in["cpu"];
    only_keys(cpu, where + ".cpu", {"quota_us", "period_us"});
    env.cpu = CpuQuota{need<std::int64_t>(cpu, "quota_us", where + ".cpu"),
                       need<std::int64_t>(cpu, "period_us", where + ".cpu")};
  }
  if (in.contains("memory_limit_bytes"))
    env.memory_limit_bytes = get<std::int64_t>(in, "memory_limit_bytes", where, 0);
  for (const auto& item : get<json>(in, "host_sockets", where, json::array())) {
    only_keys(item, where + ".host_sockets[]", {"path", "listening"});
    env.host_sockets.push_back({need<std::string>(item, "path", where + ".host_sockets[]"),
                                get<bool>(item, "listening", where + ".host_sockets[]", true)});
  }
  for (const auto& item : get<json>(in, "host_dirs", where, json::array())) {
    const auto at = where + ".host_dirs[]";
    only_keys(item, at, {"name", "mount_path", "read_only", "sub_path"});
    HostDir dir{need<std::string>(item, "name", at), need<std::string>(item, "mount_path", at),
                get<bool>(item, "read_only", at, false),
                get<std::string>(item, "sub_path", at, "")};
    if (dir.sub_path.find("..") != std::string::npos ||
        (!dir.sub_path.empty() && dir.sub_path[0] == '/'))
      bad(at, "sub_path must be a relative path inside the directory");
    if (dir.name.find('/') != std::string::npos || dir.name.empty() || dir.name[0] == '.')
      bad(at, "name must be a plain directory name");
    env.host_dirs.push_back(dir);
  }
  if (in.contains("user")) {
    const auto& user = in["user"];
    only_keys(user, where + ".user", {"uid", "gid", "additional_gids"});
    env.user = User{need<std::int64_t>(user, "uid", where + ".user"),
                    need<std::int64_t>(user, "gid", where + ".user"),
                    get<std::vector<std::int64_t>>(user, "additional_gids", where + ".user", {})};
  }
  env.capabilities =
      get<std::vector<std::string>>(in, "capabilities", where, default_capabilities());
  if (in.contains("seccomp")) env.seccomp = in["seccomp"];
  env.no_new_privileges = get<bool>(in, "no_new_privileges", where, false);
  env.oci_merge_patch = get<json>(in, "oci_merge_patch", where, json::object());
  for (const auto& item : get<json>(in, "tmpfs_mounts", where, json::array())) {
    const auto at = where + ".tmpfs_mounts[]";
    only_keys(item, at, {"mount_path", "size_bytes"});
    env.tmpfs_mounts.push_back(
        {need<std::string>(item, "mount_path", at), need<std::int64_t>(item, "size_bytes", at)});
  }
  env.files = get<std::map<std::string, std::string>>(in, "files", where, {});
  env.env = get<std::vector<std::string>>(in, "env", where, {});
  if (in.contains("dns_server")) {
    const auto& dns = in["dns_server"];
    const auto at = where + ".dns_server";
    only_keys(dns, at, {"address", "records"});
    env.dns_server = DnsServerEnv{need<std::string>(dns, "address", at),
                                  get<std::map<std::string, std::string>>(dns, "records", at, {})};
  }
  for (const auto& item : get<json>(in, "port_forwards", where, json::array())) {
    const auto at = where + ".port_forwards[]";
    only_keys(item, at, {"listen", "listen_port", "to", "to_port"});
    env.port_forwards.push_back(
        {need<std::string>(item, "listen", at), need<int>(item, "listen_port", at),
         need<std::string>(item, "to", at), need<int>(item, "to_port", at)});
  }
  env.lab_network =
      get<bool>(in, "lab_network", where, false) || env.dns_server || !env.port_forwards.empty();
  if (env.lab_network && env.host_namespaces.count("network"))
    bad(where,
        "dns_server and port_forwards serve in a network namespace of the lab's own, "
        "which the container joins: not with host_namespaces [\"network\"]");
  return env;
}

VmEnv parse_vm(const json& in, const std::string& where) {
  only_keys(in, where, {"flavor", "numa_nodes", "cgroup", "kernel_args"});
  VmEnv env;
  env.flavor = need<std::string>(in, "flavor", where);
  if (env.flavor != "plain" && env.flavor != "kata")
    bad(where + ".flavor", "expected \"plain\" or \"kata\"");
  int next_cpu = 0;
  for (const auto& item : need<json>(in, "numa_nodes", where)) {
    const auto at = where + ".numa_nodes[]";
    only_keys(item, at, {"cpus", "memory_mib"});
    NumaNode node{need<std::vector<int>>(item, "cpus", at),
                  need<std::int64_t>(item, "memory_mib", at)};
    // QEMU numbers the CPUs 0..n-1; the nodes must hand them out in order, each exactly once.
    for (const int cpu : node.cpus)
      if (cpu != next_cpu++) bad(at, "cpus must number 0, 1, 2... across the nodes in order");
    if (node.memory_mib < 64) bad(at, "memory_mib below 64");
    env.numa_nodes.push_back(node);
  }
  if (env.numa_nodes.empty()) bad(where, "numa_nodes is empty");
  if (in.contains("cgroup")) {
    const auto& cg = in["cgroup"];
    const auto at = where + ".cgroup";
    only_keys(cg, at, {"path", "cpu_max", "memory_max_bytes", "memory_oom_group"});
    GuestCgroup group;
    group.path = need<std::string>(cg, "path", at);
    if (group.path.size() < 2 || group.path[0] != '/' || group.path.find("..") != std::string::npos)
      bad(at + ".path", "expected an absolute path below the cgroup root");
    if (cg.contains("cpu_max")) group.cpu_max = get<std::string>(cg, "cpu_max", at, "");
    if (cg.contains("memory_max_bytes"))
      group.memory_max_bytes = get<std::int64_t>(cg, "memory_max_bytes", at, 0);
    group.memory_oom_group = get<bool>(cg, "memory_oom_group", at, false);
    env.cgroup = group;
  }
  env.kernel_args = get<std::vector<std::string>>(in, "kernel_args", where, {});
  return env;
}

}  // namespace

const std::vector<std::string>& default_capabilities() {
  static const std::vector<std::string> caps = {
      "CAP_CHOWN",   "CAP_DAC_OVERRIDE", "CAP_FSETID",           "CAP_FOWNER",
      "CAP_MKNOD",   "CAP_NET_RAW",      "CAP_SETGID",           "CAP_SETUID",
      "CAP_SETFCAP", "CAP_SETPCAP",      "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT",
      "CAP_KILL",    "CAP_AUDIT_WRITE"};
  return caps;
}

Scenario load_scenario(const std::filesystem::path& file) {
  json in;
  try {
    in = json::parse(read_file(file));
  } catch (const json::exception& error) {
    bad(file.string(), std::string("not valid JSON: ") + error.what());
  }
  const std::string where = file.filename().string();
  only_keys(in, where,
            {"description", "timeout_s", "environment", "capprobe_args", "pod_spec", "expect"});
  Scenario scenario;
  scenario.file = file;
  scenario.name = file.stem().string();
  scenario.description = need<std::string>(in, "description", where);
  scenario.timeout_s = need<int>(in, "timeout_s", where);
  const auto env = need<json>(in, "environment", where);
  only_keys(env, where + ".environment", {"container", "vm"});
  if (env.size() != 1) bad(where + ".environment", "give exactly one of container, vm");
  if (env.contains("container"))
    scenario.environment = parse_container(env["container"], where + ".environment.container");
  else
    scenario.environment = parse_vm(env["vm"], where + ".environment.vm");
  scenario.capprobe_args = need<std::vector<std::string>>(in, "capprobe_args", where);
  if (scenario.capprobe_args.empty()) bad(where + ".capprobe_args", "empty");
  for (const auto& arg : scenario.capprobe_args)
    if (arg == "--pod-spec" || arg == "-o")
      bad(where + ".capprobe_args", arg + " is set by the harness (use \"pod_spec\")");
  if (in.contains("pod_spec")) scenario.pod_spec = in["pod_spec"];
  scenario.expect = need<json>(in, "expect", where);
  only_keys(scenario.expect, where + ".expect", {"subject", "results", "agent", "schema"});
  return scenario;
}

}  // namespace capprobe::lab
