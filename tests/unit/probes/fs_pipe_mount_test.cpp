// fs.pipe_mount: connect outcomes to states, well-known and mounted sockets, the Kata socket
// that is only a file, requested sockets, bounds (count, timeout) and connect-only behaviour.
#include <algorithm>

#include <catch2/catch.hpp>

#include "probes/common/judge.hpp"
#include "probes/fs/pipe_mount_linux.hpp"
#include "tests/unit/probes/fs_test_support.hpp"

using capprobe::platform::FakePlatform;
using capprobe::platform::FileKind;
using capprobe::probes::HostPathRequest;
using capprobe::probes::PodRequests;
using capprobe::probes::Status;
using capprobe::probes::fs::collect_linux_pipe_mount_facts;
using capprobe::probes::fs::endpoint_state;
using capprobe::probes::fs::judge_linux_pipe_mount;
using capprobe::probes::fs::kWellKnownSockets;
using capprobe::testing::context_for;
using capprobe::testing::ForwardingPlatform;
using capprobe::testing::load_fixture;
using capprobe::testing::mount_line;

namespace {

const std::string kIgnored(capprobe::probes::kIgnoredPrefix);

// Records every connect (path and timeout); nothing else can reach a socket through Platform.
class RecordingConnects : public ForwardingPlatform {
 public:
  using ForwardingPlatform::ForwardingPlatform;
  Result<Done> connect_unix(const std::string& path, std::chrono::milliseconds timeout) override {
    connects.emplace_back(path, timeout);
    return fake_.connect_unix(path, timeout);
  }
  std::vector<std::pair<std::string, std::chrono::milliseconds>> connects;
};

capprobe::probes::CapabilityResult run(capprobe::platform::Platform& os,
                                       const PodRequests& requests = {}) {
  auto ctx = context_for(os, requests);
  return judge_linux_pipe_mount(collect_linux_pipe_mount_facts(ctx));
}

const nlohmann::json* endpoint_at(const capprobe::probes::CapabilityResult& result,
                                  const std::string& path) {
  for (const auto& endpoint : result.evidence["endpoints"])
    if (endpoint["path"] == path) return &endpoint;
  return nullptr;
}

PodRequests asking(std::vector<HostPathRequest> volumes) {
  PodRequests requests;
  requests.from_pod_spec = true;
  requests.host_paths = std::move(volumes);
  return requests;
}

}  // namespace

TEST_CASE("fs.pipe_mount maps connect outcomes to exactly four states") {
  // By the kind the platform gives the error, whatever the OS named it.
  const std::vector<std::pair<std::optional<std::string>, std::string>> table = {
      {std::nullopt, "connected"},
      {"ECONNREFUSED", "refused"},
      {"ETIMEDOUT", "refused"},
      {"EAGAIN", "refused"},
      {"EACCES", "denied"},
      {"EPERM", "denied"},
      {"ENOENT", "absent"},
      {"ENOTSOCK", "refused"},
      {"ERROR_ACCESS_DENIED", "denied"},
      {"ERROR_FILE_NOT_FOUND", "absent"},
      {"ERROR_PIPE_BUSY", "refused"},
  };
  for (const auto& [error, state] : table) {
    INFO(error.value_or("success"));
    std::optional<capprobe::platform::ErrorKind> kind;
    if (error) kind = capprobe::platform::fake_error(*error, "connect").kind;
    CHECK(endpoint_state(kind) == state);
  }
}

TEST_CASE("fs.pipe_mount with no sockets is untested and lists absent ones compactly") {
  FakePlatform fake;
  const auto before = fake.entry_count();
  RecordingConnects os(fake);
  const auto result = run(os);
  INFO(result.summary);
  CHECK(result.status == Status::untested);
  CHECK(result.observed == "none");
  CHECK(result.requested == std::nullopt);
  CHECK(result.summary.find("no host sockets mounted") != std::string::npos);
  CHECK(os.connects.empty());  // nothing present, nothing connected to
  REQUIRE(result.evidence["endpoints"].size() == kWellKnownSockets.size());
  for (const auto& endpoint : result.evidence["endpoints"]) {
    CHECK(endpoint["state"] == "absent");
    CHECK(endpoint["kind"] == "unix_socket");
    CHECK_FALSE(endpoint.contains("errno"));
  }
  CHECK(fake.entry_count() == before);
}

TEST_CASE("fs.pipe_mount: connected, refused and denied sockets") {
  struct Row {
    std::string name;
    std::map<std::string, std::string> connect_errors;  // "" = connects
    Status status;
    std::string observed;
    std::string docker_state;
  };
  const std::vector<Row> rows = {
      {"one connects", {{"/var/run/docker.sock", ""}}, Status::supported, "connected", "connected"},
      {"stale socket refuses", {}, Status::partial, "present_refused", "refused"},
      {"listener too busy",
       {{"/var/run/docker.sock", "ETIMEDOUT"}},
       Status::partial,
       "present_refused",
       "refused"},
      // Present, but this process may not connect: a permission check, not a stale socket.
      {"permission denied",
       {{"/var/run/docker.sock", "EACCES"}},
       Status::untested,
       "present_denied",
       "denied"},
  };
  for (const auto& row : rows) {
    DYNAMIC_SECTION(row.name) {
      FakePlatform fake;
      fake.special("/var/run/docker.sock", FileKind::socket);
      fake.connect_errors = row.connect_errors;
      const auto before = fake.entry_count();
      RecordingConnects os(fake);
      const auto result = run(os);
      INFO(result.summary);
      CHECK(result.status == row.status);
      CHECK(result.observed == row.observed);
      const auto* docker = endpoint_at(result, "/var/run/docker.sock");
      REQUIRE(docker);
      CHECK((*docker)["state"] == row.docker_state);
      CHECK((*docker)["file_kind"] == "socket");
      if (row.docker_state == "connected")
        CHECK((*docker)["errno"].is_null());
      else
        CHECK_FALSE((*docker)["errno"].is_null());
      // One connect, to the one present endpoint, bounded by 200 ms.
      REQUIRE(os.connects.size() == 1);
      CHECK(os.connects[0].first == "/var/run/docker.sock");
      CHECK(os.connects[0].second == std::chrono::milliseconds(200));
      CHECK(fake.entry_count() == before);
    }
  }
}

TEST_CASE("fs.pipe_mount finds a host socket bound into a runc container (captured)") {
  FakePlatform os;
  load_fixture(os, "fs-runc");
  os.special("/run/containerd/containerd.sock", FileKind::socket);
  os.connect_errors["/run/containerd/containerd.sock"] = "";
  const auto before = os.entry_count();
  const auto result = run(os);
  INFO(result.summary);
  CHECK(result.status == Status::supported);
  CHECK(result.observed == "connected");
  CHECK((*endpoint_at(result, "/run/containerd/containerd.sock"))["state"] == "connected");
  CHECK(os.entry_count() == before);
}

TEST_CASE("fs.pipe_mount finds sockets at any mount point, not only the well-known paths") {
  FakePlatform os;
  os.file("/proc/self/mountinfo",
          "1 0 8:1 / / rw - ext4 /dev/sda1 rw\n"
          "2 1 0:25 /agent/agent.sock /var/run/agent/api rw - tmpfs tmpfs rw\n"
          "3 1 0:25 /csi/csi.sock /csi/csi.sock rw - tmpfs tmpfs rw\n");
  os.special("/var/run/agent/api", FileKind::socket);
  os.file("/csi/csi.sock", "");  // socket-named, not a socket: still tried
  const auto result = run(os);
  INFO(result.summary);
  const auto* agent = endpoint_at(result, "/var/run/agent/api");
  REQUIRE(agent);
  CHECK((*agent)["origin"] == "mount");
  CHECK((*agent)["state"] == "refused");
  const auto* csi = endpoint_at(result, "/csi/csi.sock");
  REQUIRE(csi);
  CHECK((*csi)["file_kind"] == "regular");
  CHECK(result.status == Status::partial);
}

// Counts link_info calls per path: what the probe stats.
class RecordingStats : public ForwardingPlatform {
 public:
  using ForwardingPlatform::ForwardingPlatform;
  capprobe::platform::Result<capprobe::platform::FileInfo> link_info(
      const std::string& path) const override {
    statted.push_back(path);
    return fake_.link_info(path);
  }
  mutable std::vector<std::string> statted;
};

TEST_CASE("fs.pipe_mount never stats a network filesystem's mount point") {
  FakePlatform fake;
  fake.file("/proc/self/mountinfo",
            "1 0 8:1 / / rw - ext4 /dev/sda1 rw\n"
            "2 1 0:40 / /mnt/shared rw - nfs4 filer:/export rw\n"
            "3 1 0:41 / /mnt/home rw - fuse.sshfs me@box:/home rw\n"
            "4 1 0:42 / /mnt/win rw - cifs //srv/share rw\n"
            "5 1 0:25 /agent/agent.sock /var/run/agent/api rw - tmpfs tmpfs rw\n");
  fake.special("/var/run/agent/api", FileKind::socket);
  RecordingStats os(fake);
  const auto result = run(os);
  INFO(result.summary);
  for (const char* remote : {"/mnt/shared", "/mnt/home", "/mnt/win"}) {
    INFO(remote);
    CHECK(std::find(os.statted.begin(), os.statted.end(), remote) == os.statted.end());
  }
  CHECK(std::find(os.statted.begin(), os.statted.end(), "/var/run/agent/api") != os.statted.end());
  CHECK(endpoint_at(result, "/var/run/agent/api"));
}

TEST_CASE("fs.pipe_mount in Kata: the host socket is a file that refuses") {
  FakePlatform os;
  load_fixture(os, "fs-kata");
  os.file("/run/containerd/containerd.sock", "");
  const auto before = os.entry_count();
  const auto result = run(os);
  INFO(result.summary);
  CHECK(result.status == Status::partial);
  CHECK(result.observed == "present_refused");
  const auto* socket = endpoint_at(result, "/run/containerd/containerd.sock");
  REQUIRE(socket);
  CHECK((*socket)["state"] == "refused");
  CHECK((*socket)["errno"] == "ECONNREFUSED");
  CHECK((*socket)["file_kind"] == "regular");
  CHECK(os.entry_count() == before);
}

TEST_CASE("fs.pipe_mount with a requested socket hostPath") {
  const auto requests = asking({{"docker", "/var/run/docker.sock", "/var/run/docker.sock", false}});
  SECTION("absent: requested but ignored") {
    FakePlatform os;
    const auto result = run(os, requests);
    INFO(result.summary);
    CHECK(result.requested == true);
    CHECK(result.status == Status::unsupported);
    CHECK(result.summary.rfind(kIgnored, 0) == 0);
    CHECK((*endpoint_at(result, "/var/run/docker.sock"))["origin"] == "requested");
  }
  SECTION("present but refusing: requested but ignored") {
    FakePlatform os;
    os.file("/var/run/docker.sock", "");
    const auto result = run(os, requests);
    CHECK(result.status == Status::unsupported);
    CHECK(result.summary.find("ECONNREFUSED") != std::string::npos);
  }
  SECTION("connects: supported") {
    FakePlatform os;
    os.special("/var/run/docker.sock", FileKind::socket);
    os.connect_errors["/var/run/docker.sock"] = "";
    const auto result = run(os, requests);
    CHECK(result.status == Status::supported);
    CHECK(result.requested == true);
  }
  SECTION("a pod spec without socket volumes requests nothing") {
    FakePlatform os;
    const auto result = run(os, asking({{"data", "/data", "/data", false}}));
    CHECK(result.requested == false);
    CHECK(result.status == Status::untested);
  }
}

TEST_CASE("fs.pipe_mount tries at most 32 endpoints and stops when time is up") {
  FakePlatform fake;
  std::string mountinfo = "1 0 8:1 / / rw - ext4 /dev/sda1 rw\n";
  for (int i = 0; i < 40; ++i) {
    const auto point = "/sockets/s" + std::to_string(i) + ".sock";
    fake.special(point, FileKind::socket);
    mountinfo += mount_line(10 + i, "/x" + std::to_string(i), point, "tmpfs", "tmpfs");
  }
  fake.file("/proc/self/mountinfo", mountinfo);
  const auto before = fake.entry_count();
  RecordingConnects os(fake);
  auto result = run(os);
  CHECK(result.evidence["endpoints"].size() == 32);
  CHECK(result.evidence["skipped"].size() == kWellKnownSockets.size() + 40 - 32);
  CHECK(os.connects.size() == 32 - kWellKnownSockets.size());

  PodRequests requests;
  auto late = context_for(os, requests, std::chrono::milliseconds(100));
  result = judge_linux_pipe_mount(collect_linux_pipe_mount_facts(late));
  CHECK(result.evidence["endpoints"].empty());
  CHECK(result.status == Status::untested);
  CHECK(fake.entry_count() == before);
}

TEST_CASE("fs.pipe_mount: a socket that denies a non-root caller is not called stale") {
  FakePlatform os;
  os.file("/proc/self/status", "Name:\tcapprobe\nUid:\t1000\t1000\t1000\t1000\n");
  os.special("/run/containerd/containerd.sock", FileKind::socket);
  os.special("/var/run/docker.sock", FileKind::socket);
  os.connect_errors = {{"/run/containerd/containerd.sock", "EACCES"},
                       {"/var/run/docker.sock", "EPERM"}};
  auto result = run(os);
  INFO(result.summary);
  CHECK(result.status == Status::untested);
  CHECK(result.observed == "present_denied");
  CHECK(result.summary.find("stale") == std::string::npos);
  CHECK(result.summary.find("VM-isolated") == std::string::npos);
  CHECK(result.summary.find("this process (uid 1000) may not connect to "
                            "/run/containerd/containerd.sock denied (EACCES)") !=
        std::string::npos);

  // A refusal beside it keeps its own explanation; the denial keeps its own.
  os.connect_errors.erase("/var/run/docker.sock");
  result = run(os);
  INFO(result.summary);
  CHECK(result.status == Status::partial);
  CHECK(result.observed == "present_refused");
  CHECK(result.summary.find("/var/run/docker.sock refused (ECONNREFUSED) (a stale socket") !=
        std::string::npos);
  CHECK(result.summary.find("may not connect to /run/containerd/containerd.sock denied") !=
        std::string::npos);
}

TEST_CASE("fs.pipe_mount: a requested socket that denies this process is not ignored") {
  FakePlatform os;
  os.special("/var/run/docker.sock", FileKind::socket);
  os.connect_errors["/var/run/docker.sock"] = "EACCES";
  const auto result =
      run(os, asking({{"docker", "/var/run/docker.sock", "/var/run/docker.sock", false}}));
  INFO(result.summary);
  CHECK(result.status == Status::untested);
  CHECK(result.summary.rfind(kIgnored, 0) == std::string::npos);
  CHECK(result.summary.find("the requested host sockets are mounted, but") == 0);
}

TEST_CASE("fs.pipe_mount finds runtime sockets inside a mounted host directory") {
  // A DaemonSet mounts /run/containerd (the directory), not the socket.
  FakePlatform os;
  os.file("/proc/self/mountinfo",
          "1 0 8:1 / / rw - overlay overlay rw\n"
          "2 1 0:25 /containerd /host/run/containerd rw,nosuid - tmpfs tmpfs rw\n");
  os.special("/host/run/containerd/containerd.sock", FileKind::socket);
  os.special("/host/run/containerd/containerd.sock.ttrpc", FileKind::socket);  // not a name we seek
  os.dir("/host/run/containerd/io.containerd.runtime.v2.task/k8s.io/abc");
  os.connect_errors["/host/run/containerd/containerd.sock"] = "";
  const auto result = run(os);
  INFO(result.summary);
  CHECK(result.status == Status::supported);
  const auto* socket = endpoint_at(result, "/host/run/containerd/containerd.sock");
  REQUIRE(socket);
  CHECK((*socket)["origin"] == "scan");
  CHECK((*socket)["state"] == "connected");
  CHECK(endpoint_at(result, "/host/run/containerd/containerd.sock.ttrpc") == nullptr);
  REQUIRE(result.evidence["scanned"].size() == 1);
  CHECK(result.evidence["scanned"][0]["mount_point"] == "/host/run/containerd");
  CHECK(result.evidence["scanned"][0]["found"] == 1);
}

TEST_CASE("fs.pipe_mount searches a mounted node root only along the runtime directories") {
  FakePlatform fake;
  fake.file("/proc/self/mountinfo",
            "1 0 8:1 / / rw - overlay overlay rw\n"
            "2 1 8:1 / /host ro,relatime - ext4 /dev/sda1 rw\n");
  fake.special("/host/run/containerd/containerd.sock", FileKind::socket);
  fake.special("/host/run/k3s/containerd/containerd.sock", FileKind::socket);
  fake.special("/host/var/lib/kubelet/pod-resources/kubelet.sock", FileKind::socket);
  fake.special("/host/usr/share/doc/docker.sock", FileKind::socket);  // a name we seek, off the way
  for (int i = 0; i < 50; ++i) fake.dir("/host/usr/lib/dir" + std::to_string(i));
  RecordingStats os(fake);
  const auto result = run(os);
  INFO(result.summary);
  for (const char* path :
       {"/host/run/containerd/containerd.sock", "/host/run/k3s/containerd/containerd.sock",
        "/host/var/lib/kubelet/pod-resources/kubelet.sock"}) {
    INFO(path);
    REQUIRE(endpoint_at(result, path));
    CHECK((*endpoint_at(result, path))["origin"] == "scan");
  }
  // /host/usr leads to no runtime socket: it is never entered.
  CHECK(endpoint_at(result, "/host/usr/share/doc/docker.sock") == nullptr);
  CHECK(std::none_of(os.statted.begin(), os.statted.end(),
                     [](const std::string& path) { return path.rfind("/host/usr/", 0) == 0; }));
}

TEST_CASE("fs.pipe_mount: /var/run and /run name one socket once") {
  FakePlatform os;
  os.link("/var/run", "../run");
  os.special("/run/docker.sock", FileKind::socket);
  os.connect_errors["/run/docker.sock"] = "";
  os.connect_errors["/var/run/docker.sock"] = "";
  const auto result = run(os);
  INFO(result.summary);
  std::vector<std::string> docker;
  for (const auto& endpoint : result.evidence["endpoints"]) {
    const std::string path = endpoint["path"];
    if (path.find("docker.sock") != std::string::npos) docker.push_back(path);
  }
  CHECK(docker == std::vector<std::string>{"/run/docker.sock"});
  // And every other /var/run twin of a /run name is gone from the list too.
  for (const auto& endpoint : result.evidence["endpoints"])
    CHECK(endpoint["path"].get<std::string>().rfind("/var/run/", 0) != 0);
}

TEST_CASE("fs.pipe_mount: one socket mounted at two places is one endpoint") {
  FakePlatform os;
  os.file("/proc/self/mountinfo",
          "1 0 8:1 / / rw - overlay overlay rw\n"
          "2 1 0:25 /containerd /host-containerd rw - tmpfs tmpfs rw\n");
  os.special("/host-containerd/containerd.sock", FileKind::socket);
  os.link("/run/containerd/containerd.sock", "/host-containerd/containerd.sock");
  os.connect_errors["/run/containerd/containerd.sock"] = "";
  const auto result = run(os);
  INFO(result.summary);
  const auto* socket = endpoint_at(result, "/run/containerd/containerd.sock");
  REQUIRE(socket);
  CHECK((*socket)["also_at"] == nlohmann::json::array({"/host-containerd/containerd.sock"}));
  CHECK(endpoint_at(result, "/host-containerd/containerd.sock") == nullptr);
}

TEST_CASE("fs.pipe_mount reports a hung mounted directory and checks the rest") {
  auto world = std::make_shared<capprobe::testing::GuardedWorld>();
  auto& os = world->os;
  os.file("/proc/self/mountinfo",
          "1 0 8:1 / / rw - overlay overlay rw\n"
          "2 1 0:40 / /hung rw - fuse.csi csi rw\n"
          "3 1 0:25 /containerd /host-containerd rw - tmpfs tmpfs rw\n");
  os.dir("/hung");
  os.special("/host-containerd/containerd.sock", FileKind::socket);
  os.connect_errors["/host-containerd/containerd.sock"] = "";
  os.hang("/hung");
  const auto result = capprobe::testing::run_guarded(
      world, [](auto& ctx) { return judge_linux_pipe_mount(collect_linux_pipe_mount_facts(ctx)); });
  REQUIRE(result);
  INFO(result->summary);
  CHECK(os.hung_calls() >= 1);
  CHECK(result->status == Status::supported);
  REQUIRE(result->evidence["not_scanned"].size() == 1);
  CHECK(result->evidence["not_scanned"][0]["mount_point"] == "/hung");
  CHECK(result->evidence["not_scanned"][0]["reason"] ==
        "timed out after 2000 ms (the filesystem did not answer)");
  CHECK(endpoint_at(*result, "/host-containerd/containerd.sock"));
}

TEST_CASE("fs.pipe_mount: a requested socket that does not answer is not called ignored") {
  auto world = std::make_shared<capprobe::testing::GuardedWorld>();
  auto& os = world->os;
  os.file("/proc/self/mountinfo",
          "1 0 8:1 / / rw - overlay overlay rw\n"
          "2 1 0:40 /sock /run/app.sock rw - fuse.csi csi rw\n");
  os.special("/run/app.sock", FileKind::socket);
  os.hang("/run/app.sock");
  world->requests = asking({{"app", "/var/run/app.sock", "/run/app.sock", false}});
  const auto result = capprobe::testing::run_guarded(
      world, [](auto& ctx) { return judge_linux_pipe_mount(collect_linux_pipe_mount_facts(ctx)); });
  REQUIRE(result);
  INFO(result->summary);
  CHECK(result->requested == true);
  CHECK(result->status == Status::untested);
  CHECK(result->summary.rfind(kIgnored, 0) == std::string::npos);
  CHECK(result->summary.find("/run/app.sock did not answer") != std::string::npos);
}
