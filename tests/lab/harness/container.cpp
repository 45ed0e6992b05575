// A scenario in a runc container: an overlay root over the image, the host objects the scenario
// declares (unix sockets, hostPath-like directories), a config.json made by `runc spec` and
// adjusted as JSON, one `runc run`, then runc delete, unmount and cgroup removal.
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <iostream>
#include <memory>

#include "tests/lab/harness/environment.hpp"
#include "tests/lab/harness/net_services.hpp"
#include "tests/lab/harness/sandbox.hpp"
#include "tests/lab/harness/util.hpp"

namespace capprobe::lab {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// A unix socket file on the host. Listening: a connect succeeds (it waits in the backlog; the
// lab never accepts, capprobe only connects and closes). Not listening: the file stays after
// its socket is closed, like a stale socket of a stopped daemon, and a connect is refused.
class HostSocketFile {
 public:
  HostSocketFile(const fs::path& path, bool listening) : path_(path) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (path.string().size() >= sizeof address.sun_path)
      throw std::runtime_error("socket path too long for sun_path: " + path.string());
    std::strcpy(address.sun_path, path.c_str());
    fd_ = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
    const bool bound = bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
    const bool ok = bound && (!listening || listen(fd_, 16) == 0);
    const int error = errno;
    if (!ok || !listening) {
      close(fd_);
      fd_ = -1;
    }
    if (!ok) {
      if (bound) unlink(path.c_str());
      throw std::runtime_error((bound ? "listen " : "bind ") + path.string() + ": " +
                               std::strerror(error));
    }
  }
  ~HostSocketFile() {
    if (fd_ >= 0) close(fd_);
    unlink(path_.c_str());
  }
  HostSocketFile(const HostSocketFile&) = delete;
  HostSocketFile& operator=(const HostSocketFile&) = delete;

 private:
  fs::path path_;
  int fd_ = -1;
};

// runc's container: deleted (forcefully, whatever state it is in) when the scenario ends.
class RuncContainer {
 public:
  RuncContainer(fs::path runc, fs::path state, std::string id)
      : runc_(std::move(runc)), state_(std::move(state)), id_(std::move(id)) {}
  ~RuncContainer() {
    const auto result =
        it::run({runc_.string(), "--root", state_.string(), "delete", "--force", id_}, 30s);
    // "does not exist" is the normal case: `runc run` deletes the container when it ends.
    if (!result.exited_zero() && result.err.find("does not exist") == std::string::npos)
      std::cerr << "lab: runc delete " << id_ << " failed:\n" << it::describe(result);
  }
  RuncContainer(const RuncContainer&) = delete;
  RuncContainer& operator=(const RuncContainer&) = delete;
  std::vector<std::string> run_argv(const fs::path& bundle) const {
    return {runc_.string(), "--root", state_.string(), "run", "--bundle", bundle.string(), id_};
  }

 private:
  fs::path runc_;
  fs::path state_;
  std::string id_;
};

json bind_mount(const std::string& source, const std::string& destination, bool read_only) {
  return {{"destination", destination},
          {"type", "bind"},
          {"source", source},
          {"options", {"rbind", read_only ? "ro" : "rw", "nosuid", "nodev"}}};
}

// `runc spec`'s config.json, adjusted to the scenario. Everything runc's default leaves as a
// Kubernetes pod would not have it is set explicitly: capabilities, no_new_privileges, root.
json container_config(json config, const Scenario& scenario, const ContainerEnv& env,
                      const fs::path& root, const std::string& id, bool with_pod_spec,
                      const std::vector<json>& mounts, const std::string& netns_path) {
  auto& process = config["process"];
  process["terminal"] = false;
  process["args"] = json::array({"/usr/bin/capprobe"});
  for (const auto& arg : scenario.capprobe_args) process["args"].push_back(arg);
  if (with_pod_spec) {
    process["args"].push_back("--pod-spec");
    process["args"].push_back(kPodSpecPath);
  }
  process["env"] = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                    "HOME=/root"};
  for (const auto& variable : env.env) process["env"].push_back(variable);
  process["cwd"] = "/";
  json caps = env.capabilities;
  process["capabilities"] = {{"bounding", caps},
                             {"effective", caps},
                             {"permitted", caps},
                             {"ambient", json::array()},
                             {"inheritable", json::array()}};
  process["noNewPrivileges"] = env.no_new_privileges;
  if (env.user) {
    process["user"] = {{"uid", env.user->uid}, {"gid", env.user->gid}};
    if (!env.user->additional_gids.empty())
      process["user"]["additionalGids"] = env.user->additional_gids;
  }

  config["root"] = {{"path", root.string()}, {"readonly", env.read_only_root}};
  if (env.host_namespaces.count("uts"))
    config.erase("hostname");  // runc refuses a hostname without its own UTS namespace
  else
    config["hostname"] = "lab-" + scenario.name;

  auto& linux_section = config["linux"];
  json namespaces = json::array();
  for (auto ns : linux_section["namespaces"]) {
    if (env.host_namespaces.count(ns.value("type", ""))) continue;
    if (ns.value("type", "") == "network" && !netns_path.empty()) ns["path"] = netns_path;
    namespaces.push_back(ns);
  }
  linux_section["namespaces"] = namespaces;
  // Like kubelet's cgroupfs layout (/kubepods/<qos>/pod<uid>/<container>), below this runner's
  // own top-level group so that cleanup and the stale sweep find everything.
  std::string cgroups_path = "/";
  cgroups_path += cgroup_root_name() + "/kubepods/besteffort/pod-" + scenario.name + "/" + id;
  linux_section["cgroupsPath"] = cgroups_path;
  auto& resources = linux_section["resources"];
  if (env.cpu) resources["cpu"] = {{"quota", env.cpu->quota_us}, {"period", env.cpu->period_us}};
  if (env.memory_limit_bytes) resources["memory"] = {{"limit", *env.memory_limit_bytes}};
  if (env.seccomp) linux_section["seccomp"] = *env.seccomp;

  for (const auto& mount : mounts) config["mounts"].push_back(mount);
  config.merge_patch(env.oci_merge_patch);
  return config;
}

}  // namespace

Outcome run_in_container(const Scenario& scenario, const ContainerEnv& env, const LabPaths& paths) {
  require_root();
  const auto runc = require_program("runc", "runc");
  const auto setup_started = Clock::now();
  const auto image = container_image(paths);

  Outcome outcome;
  Scratch scratch(paths.work, scenario.name);
  const auto id = std::string(kLabPrefix) + "-" + scenario.name + "-" + std::to_string(getpid());
  outcome.vars["scratch"] = scratch.path().string();
  outcome.vars["container.id"] = id;
  LabCgroup cgroups;  // the kubepods-like parents runc creates below it are ours to remove
  OverlayRoot root(image, scratch.path() / "rootfs", scratch.path() / "layers");

  std::vector<json> mounts;
  std::vector<std::unique_ptr<HostSocketFile>> sockets;
  fs::create_directories(scratch.path() / "sockets");
  for (std::size_t i = 0; i < env.host_sockets.size(); ++i) {
    const auto& socket = env.host_sockets[i];
    const auto host_path = scratch.path() / "sockets" / (std::to_string(i) + ".sock");
    sockets.push_back(std::make_unique<HostSocketFile>(host_path, socket.listening));
    outcome.vars["host_socket." + std::to_string(i)] = path_in_filesystem(host_path);
    mounts.push_back(bind_mount(host_path.string(), socket.path, false));
  }
  for (const auto& dir : env.host_dirs) {
    const auto host_path = scratch.path() / "host" / dir.name;
    fs::create_directories(host_path);
    write_file(host_path / "from-the-host.txt", "written on the host by the lab\n");
    auto source = host_path;
    if (!dir.sub_path.empty()) {
      source = host_path / dir.sub_path;
      fs::create_directories(source);
    }
    mounts.push_back(bind_mount(source.string(), dir.mount_path, dir.read_only));
    outcome.vars["host_dir." + dir.name] = path_in_filesystem(host_path);
  }
  for (const auto& tmpfs : env.tmpfs_mounts)
    mounts.push_back({{"destination", tmpfs.mount_path},
                      {"type", "tmpfs"},
                      {"source", "tmpfs"},
                      {"options",
                       {"nosuid", "nodev", "mode=1777",
                        "size=" + std::to_string(tmpfs.size_bytes / 1024) + "k"}}});
  std::size_t file_number = 0;
  for (const auto& [path, content] : env.files) {
    const auto host_path = scratch.path() / "files" / std::to_string(file_number++);
    fs::create_directories(host_path.parent_path());
    write_file(host_path, content);
    mounts.push_back(bind_mount(host_path.string(), path, true));
  }
  // Served in a network namespace of the lab's own, which the container joins, for as long as
  // the container runs: nothing listens on the host.
  std::unique_ptr<LabNetns> netns;
  if (env.lab_network) netns = std::make_unique<LabNetns>();
  std::unique_ptr<DnsServer> dns;
  if (env.dns_server)
    dns = std::make_unique<DnsServer>(*netns, env.dns_server->address, env.dns_server->records);
  std::vector<std::unique_ptr<PortForward>> forwards;
  for (const auto& forward : env.port_forwards)
    forwards.push_back(std::make_unique<PortForward>(*netns, forward.listen, forward.listen_port,
                                                     forward.to, forward.to_port));
  if (scenario.pod_spec) {
    const auto file = root.merged() / fs::path(kPodSpecPath).relative_path();
    fs::create_directories(file.parent_path());
    write_file(file, scenario.pod_spec->dump(2) + "\n");
  }

  const auto bundle = scratch.path() / "bundle";
  fs::create_directories(bundle);
  run_checked({runc.string(), "spec", "--bundle", bundle.string()}, 30s);
  const auto config = container_config(json::parse(read_file(bundle / "config.json")), scenario,
                                       env, root.merged(), id, scenario.pod_spec.has_value(),
                                       mounts, netns ? netns->path() : std::string());
  write_file(bundle / "config.json", config.dump(2) + "\n");

  RuncContainer container(runc, scratch.path() / "runc-state", id);
  outcome.setup_s = seconds_since(setup_started);
  // The scenario's budget minus what setup and teardown need.
  const auto budget = std::chrono::seconds(std::max(10, scenario.timeout_s - 15));
  const auto started = Clock::now();
  const auto result = it::run(container.run_argv(bundle), budget);
  outcome.run_s = seconds_since(started);
  if (dns) outcome.vars["dns.queries"] = std::to_string(dns->queries());
  for (std::size_t i = 0; i < forwards.size(); ++i)
    outcome.vars["port_forward." + std::to_string(i) + ".forwarded"] =
        std::to_string(forwards[i]->forwarded());
  outcome.finished = !result.timed_out && result.term_signal == 0;
  outcome.exit_code = result.exit_code;
  outcome.report = result.out;
  outcome.diagnostics = result.err;
  if (result.timed_out)
    outcome.diagnostics +=
        "\n(killed at the scenario's timeout of " + std::to_string(budget.count()) + " s)";
  return outcome;
}

}  // namespace capprobe::lab
