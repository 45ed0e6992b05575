// fs.host_path: classification of node mounts in a pod, Kata and a vSphere-Pod-like view, the
// verdict for requested volumes (present, read-only forced, missing) and no residue.
#include <catch2/catch.hpp>

#include "probes/common/judge.hpp"
#include "probes/fs/host_path_linux.hpp"
#include "tests/unit/probes/fs_test_support.hpp"

using capprobe::platform::FakePlatform;
using capprobe::platform::FileKind;
using capprobe::probes::HostPathRequest;
using capprobe::probes::PodRequests;
using capprobe::probes::Status;
using capprobe::probes::fs::collect_linux_host_path_facts;
using capprobe::probes::fs::HostPathFinding;
using capprobe::probes::fs::judge_linux_host_path;
using capprobe::probes::fs::LinuxHostPathFacts;
using capprobe::probes::fs::NodeMount;
using capprobe::testing::context_for;
using capprobe::testing::CountingCreates;
using capprobe::testing::ForwardingPlatform;
using capprobe::testing::kScratch;
using capprobe::testing::load_fixture;

namespace {

const std::string kIgnored(capprobe::probes::kIgnoredPrefix);

capprobe::probes::CapabilityResult run(capprobe::platform::Platform& os,
                                       const PodRequests& requests = {}) {
  auto ctx = context_for(os, requests);
  return judge_linux_host_path(collect_linux_host_path_facts(ctx));
}

// The pod of tests/fixtures/fs-k8s-pod with its mount points present in the fake.
void k8s_pod(FakePlatform& os) {
  load_fixture(os, "fs-k8s-pod");
  for (const auto* dir : {"/data", "/cache", "/var/log/pods", "/etc/capprobe", "/etc/tls"})
    os.dir(dir);
  os.file("/etc/hosts", "127.0.0.1 localhost\n");
  os.special("/run/containerd/containerd.sock", FileKind::socket);
}

PodRequests asking(std::vector<HostPathRequest> volumes) {
  PodRequests requests;
  requests.from_pod_spec = true;
  requests.host_paths = std::move(volumes);
  return requests;
}

const nlohmann::json* mount_at(const capprobe::probes::CapabilityResult& result,
                               const std::string& point) {
  for (const auto& mount : result.evidence["mounts"])
    if (mount["mount_point"] == point) return &mount;
  return nullptr;
}

NodeMount node(std::string point, bool read_only, std::string write, bool kubelet = false) {
  NodeMount mount;
  mount.mount_point = point;
  mount.host_path = point;
  mount.source = "/dev/sda1";
  mount.fs_type = "ext4";
  mount.read_only = read_only;
  mount.kubelet_managed = kubelet;
  mount.write = std::move(write);
  return mount;
}

// Counts file creations, to prove a requested read-only volume is never written.
}  // namespace

TEST_CASE("fs.host_path verdict table") {
  const HostPathRequest data{"data", "/data", "/data", false};
  const HostPathRequest logs_rw{"logs", "/var/log/pods", "/var/log/pods", false};
  const HostPathRequest data_ro{"data", "/data", "/data", true};
  struct Row {
    std::string name;
    std::optional<std::vector<HostPathRequest>> requests;
    std::vector<HostPathFinding> findings;
    std::vector<NodeMount> mounts;
    Status status;
    std::string observed;
    std::optional<bool> requested;
    std::string summary_has;
  };
  const std::vector<Row> rows = {
      {"nothing asked, a hostPath-like mount",
       std::nullopt,
       {},
       {node("/data", false, "ok")},
       Status::supported,
       "present",
       std::nullopt,
       "/data from /data (rw, a test file was created and removed)"},
      {"nothing asked, only kubelet's",
       std::nullopt,
       {},
       {node("/cache", false, "skipped_kubelet", true)},
       Status::untested,
       "none",
       std::nullopt,
       "1 kubelet-managed"},
      {"pod spec without hostPath",
       std::vector<HostPathRequest>{},
       {},
       {},
       Status::untested,
       "none",
       false,
       "no hostPath mounted in this container was requested"},
      {"requested rw, writable",
       std::vector{data},
       {{data, node("/data", false, "ok")}},
       {},
       Status::supported,
       "present",
       true,
       "every requested hostPath is mounted as requested"},
      {"requested rw, mounted ro (vSphere Pods)",
       std::vector{logs_rw},
       {{logs_rw, node("/var/log/pods", true, "skipped_read_only")}},
       {},
       Status::partial,
       "forced_read_only",
       true,
       "vSphere Pods allow only /var/log/pods"},
      {"requested rw, says rw but EROFS",
       std::vector{data},
       {{data, node("/data", false, "EROFS")}},
       {},
       Status::partial,
       "forced_read_only",
       true,
       "says rw, but writes fail with EROFS"},
      {"requested and missing",
       std::vector{data},
       {{data, std::nullopt}},
       {},
       Status::unsupported,
       "missing",
       true,
       kIgnored + "hostPath was requested"},
      {"requested ro, mounted rw",
       std::vector{data_ro},
       {{data_ro, node("/data", false, "skipped_requested_read_only")}},
       {},
       Status::unsupported,
       "not_read_only",
       true,
       "mounted read-write: /data"},
      {"requested ro, mounted ro",
       std::vector{data_ro},
       {{data_ro, node("/data", true, "skipped_read_only")}},
       {},
       Status::supported,
       "present",
       true,
       "(ro)"},
  };
  for (const auto& row : rows) {
    DYNAMIC_SECTION(row.name) {
      LinuxHostPathFacts facts;
      facts.requests = row.requests;
      facts.findings = row.findings;
      facts.mounts = row.mounts;
      const auto result = judge_linux_host_path(facts);
      INFO(result.summary);
      CHECK(result.id == "fs.host_path");
      CHECK(result.status == row.status);
      CHECK(result.observed == row.observed);
      CHECK(result.requested == row.requested);
      CHECK(result.summary.find(row.summary_has) != std::string::npos);
      CHECK(result.evidence["requested"].size() == row.findings.size());
    }
  }
}

TEST_CASE("fs.host_path sorts a pod's mounts into kubelet's and hostPath-like ones") {
  FakePlatform os;
  k8s_pod(os);
  const auto before = os.entry_count();
  const auto result = run(os);
  INFO(result.summary);
  CHECK(result.status == Status::supported);
  CHECK(result.observed == "present");
  CHECK(result.requested == std::nullopt);

  const auto* logs = mount_at(result, "/var/log/pods");
  REQUIRE(logs);
  CHECK((*logs)["kind"] == "host_path");
  CHECK((*logs)["host_path"] == "/var/log/pods");
  CHECK((*logs)["read_only"] == true);
  CHECK((*logs)["write_errno"].is_null());
  CHECK((*logs)["source"] == "/dev/nvme0n1p1");
  CHECK((*logs)["fs_type"] == "ext4");

  const auto* data = mount_at(result, "/data");
  REQUIRE(data);
  CHECK((*data)["kind"] == "host_path");
  CHECK((*data)["write"] == "ok");
  CHECK((*data)["write_errno"].is_null());

  for (const auto* point : {"/cache", "/etc/capprobe", "/etc/hosts", "/dev/termination-log",
                            "/etc/hostname", "/etc/resolv.conf"}) {
    INFO(point);
    const auto* mount = mount_at(result, point);
    REQUIRE(mount);
    CHECK((*mount)["kind"] == "kubelet");
  }
  // tmpfs volumes (secret, service-account token, the node's /run) are not node disks.
  for (const auto* point : {"/etc/tls", "/var/run/secrets/kubernetes.io/serviceaccount",
                            "/run/containerd/containerd.sock", "/", "/dev/shm"})
    CHECK(mount_at(result, point) == nullptr);
  CHECK(os.entry_count() == before);
}

TEST_CASE("fs.host_path with requested volumes present as asked") {
  FakePlatform os;
  k8s_pod(os);
  const auto before = os.entry_count();
  const auto result = run(os, asking({{"data", "/data", "/data", false},
                                      {"logs", "/var/log/pods", "/var/log/pods", true},
                                      {"other", "/srv", "", false}}));  // not mounted here
  INFO(result.summary);
  CHECK(result.status == Status::supported);
  CHECK(result.requested == true);
  const auto& requested = result.evidence["requested"];
  REQUIRE(requested.size() == 2);
  CHECK(requested[0]["state"] == "ok");
  CHECK(requested[0]["found"]["write"] == "ok");
  CHECK(requested[1]["state"] == "ok");
  CHECK(requested[1]["found"]["read_only"] == true);
  CHECK(os.entry_count() == before);
}

TEST_CASE("fs.host_path: requested read-write but mounted read-only is partial") {
  FakePlatform os;
  k8s_pod(os);
  const auto before = os.entry_count();
  const auto result = run(os, asking({{"logs", "/var/log/pods", "/var/log/pods", false}}));
  INFO(result.summary);
  CHECK(result.status == Status::partial);
  CHECK(result.observed == "forced_read_only");
  CHECK(result.evidence["requested"][0]["state"] == "forced_read_only");
  CHECK(os.entry_count() == before);
}

TEST_CASE("fs.host_path: a mount that says rw but refuses writes counts as read-only") {
  FakePlatform os;
  k8s_pod(os);
  os.fail("create_file_exclusive", "/data/" + std::string(kScratch) + "-hostpath", "EROFS");
  const auto before = os.entry_count();
  const auto result = run(os, asking({{"data", "/data", "/data", false}}));
  INFO(result.summary);
  CHECK(result.status == Status::partial);
  CHECK(result.evidence["requested"][0]["found"]["write_errno"] == "EROFS");
  CHECK((*mount_at(result, "/data"))["read_only"] == false);
  CHECK(os.entry_count() == before);
}

TEST_CASE("fs.host_path: a requested volume that is not there is requested but ignored") {
  FakePlatform os;
  k8s_pod(os);
  const auto before = os.entry_count();
  const auto result =
      run(os, asking({{"data", "/data", "/data", false},
                      {"dockersock", "/var/lib/docker", "/var/lib/docker", false}}));
  INFO(result.summary);
  CHECK(result.status == Status::unsupported);
  CHECK(result.requested_but_ignored());
  CHECK(result.summary.rfind(kIgnored, 0) == 0);
  CHECK(result.summary.find("/var/lib/docker (volume dockersock") != std::string::npos);
  CHECK(result.evidence["requested"][1]["state"] == "missing");
  CHECK(result.evidence["requested"][1]["found"].is_null());
  CHECK(os.entry_count() == before);
}

TEST_CASE("fs.host_path never writes into a volume the pod asked read-only") {
  FakePlatform fake;
  fake.file("/proc/self/mountinfo",
            "1 0 8:1 / / rw - ext4 /dev/sda1 rw\n"
            "2 1 8:1 /srv/shared /shared rw,relatime - ext4 /dev/sda1 rw\n");
  fake.dir("/shared");
  CountingCreates os(fake);
  const auto result = run(os, asking({{"shared", "/srv/shared", "/shared", true}}));
  INFO(result.summary);
  CHECK(os.created.empty());
  CHECK(result.status == Status::unsupported);
  CHECK(result.observed == "not_read_only");
  CHECK((*mount_at(result, "/shared"))["write"] == "skipped_requested_read_only");
}

TEST_CASE("fs.host_path starts no write test it cannot finish before the deadline") {
  FakePlatform fake;
  fake.file("/proc/self/mountinfo",
            "1 0 8:1 / / rw - ext4 /dev/sda1 rw\n"
            "2 1 8:1 /srv/shared /shared rw,relatime - ext4 /dev/sda1 rw\n");
  fake.dir("/shared");
  CountingCreates os(fake);
  const PodRequests requests;
  auto ctx = context_for(os, requests, std::chrono::milliseconds(0));
  const auto result = judge_linux_host_path(collect_linux_host_path_facts(ctx));
  INFO(result.summary);
  CHECK(os.created.empty());
  CHECK((*mount_at(result, "/shared"))["write"] == "skipped_limit");
}

TEST_CASE("fs.host_path warns about a test file left in a requested mount") {
  FakePlatform os;
  os.file("/proc/self/mountinfo",
          "1 0 8:1 / / rw - ext4 /dev/sda1 rw\n"
          "2 1 0:50 / /scratch rw - tmpfs tmpfs rw\n");
  os.dir("/scratch");
  os.fail("remove", std::string("/scratch/") + kScratch + "-hostpath", "EBUSY");
  const auto result = run(os, asking({{"scratch", "/srv/scratch", "/scratch", false}}));
  INFO(result.summary);
  CHECK(result.evidence["requested"][0]["found"]["remove_errno"] == "EBUSY");
  CHECK(result.summary.find("WARNING: the test file in /scratch could not be removed (EBUSY)") !=
        std::string::npos);
}

TEST_CASE("fs.host_path in a vSphere-Pod-like view: only /var/log/pods, read-only") {
  FakePlatform os;
  load_fixture(os, "fs-vsphere-pod");
  os.dir("/var/log/pods");
  os.dir("/scratch");
  const auto before = os.entry_count();
  auto result = run(os, asking({{"logs", "/var/log/pods", "/var/log/pods", false}}));
  INFO(result.summary);
  CHECK(result.status == Status::partial);
  CHECK(result.summary.find("vSphere Pods allow only /var/log/pods") != std::string::npos);
  CHECK((*mount_at(result, "/scratch"))["kind"] == "kubelet");
  CHECK((*mount_at(result, "/etc/hosts"))["kind"] == "kubelet");

  result = run(os, asking({{"data", "/data", "/data", false}}));
  CHECK(result.status == Status::unsupported);
  CHECK(result.observed == "missing");
  CHECK(os.entry_count() == before);
}

TEST_CASE("fs.host_path in a Kata guest: shares from the host, kubelet files told apart") {
  FakePlatform os;
  load_fixture(os, "fs-kata");
  os.dir("/data");
  os.file("/run/containerd/containerd.sock", "");  // Kata shows the host socket as a file
  const auto before = os.entry_count();
  const auto result = run(os, asking({{"data", "/data", "/data", false}}));
  INFO(result.summary);
  CHECK(result.status == Status::supported);
  const auto* data = mount_at(result, "/data");
  REQUIRE(data);
  CHECK((*data)["kind"] == "host_path");
  CHECK((*data)["fs_type"] == "virtiofs");
  CHECK((*data)["source"] == "kataShared");
  CHECK((*mount_at(result, "/etc/hosts"))["kind"] == "kubelet");
  CHECK((*mount_at(result, "/dev/termination-log"))["kind"] == "kubelet");
  CHECK((*mount_at(result, "/run/containerd/containerd.sock"))["write"] == "skipped_not_directory");
  CHECK(mount_at(result, "/") == nullptr);
  CHECK(os.entry_count() == before);
}

TEST_CASE("fs.host_path in a runc container (captured): a host dir and a host socket") {
  FakePlatform os;
  load_fixture(os, "fs-runc");
  os.dir("/data");
  os.special("/run/containerd/containerd.sock", FileKind::socket);
  const auto before = os.entry_count();
  const auto result = run(os);
  INFO(result.summary);
  CHECK(result.status == Status::supported);
  CHECK(result.evidence["mounts"].size() == 2);
  CHECK((*mount_at(result, "/data"))["host_path"] == "/tmp/h2-runc/srv-data");
  CHECK((*mount_at(result, "/data"))["write"] == "ok");
  CHECK(os.entry_count() == before);
}

TEST_CASE("fs.host_path without mountinfo is untested") {
  FakePlatform os;
  const auto result = run(os);
  CHECK(result.status == Status::untested);
  CHECK(result.observed == "unknown");
  CHECK(result.evidence["mountinfo_error"] == "ENOENT");
  CHECK(result.evidence["mounts"].empty());
}

TEST_CASE("fs.host_path reports a hung hostPath and tests the others") {
  auto world = std::make_shared<capprobe::testing::GuardedWorld>();
  auto& os = world->os;
  os.file("/proc/self/mountinfo",
          "1 0 8:1 / / rw - ext4 /dev/sda1 rw\n"
          "2 1 8:1 /srv/hung /hung rw,relatime - ext4 /dev/sda1 rw\n"
          "3 1 8:1 /srv/data /data rw,relatime - ext4 /dev/sda1 rw\n");
  os.dir("/hung").dir("/data");
  os.hang("/hung");
  const auto result = capprobe::testing::run_guarded(
      world, [](auto& ctx) { return judge_linux_host_path(collect_linux_host_path_facts(ctx)); });
  REQUIRE(result);
  INFO(result->summary);
  CHECK(os.hung_calls() >= 1);
  const auto* hung = mount_at(*result, "/hung");
  REQUIRE(hung);
  CHECK((*hung)["write"] == "timed_out");
  CHECK((*hung)["write_errno"].is_null());
  CHECK((*hung)["write_detail"] == "timed out after 2000 ms (the filesystem did not answer)");
  CHECK((*mount_at(*result, "/data"))["write"] == "ok");
  CHECK(result->summary.find("/hung from /srv/hung (rw, the write test timed out after 2000 ms") !=
        std::string::npos);
  CHECK(result->summary.find("/data from /srv/data (rw, a test file was created and removed)") !=
        std::string::npos);
}

TEST_CASE("fs.host_path writes nothing in a hostPath mounted under a volume asked read-only") {
  FakePlatform fake;
  fake.file("/proc/self/mountinfo",
            "1 0 8:1 / / rw - ext4 /dev/sda1 rw\n"
            "2 1 8:1 /srv/logs /logs rw,relatime - ext4 /dev/sda1 rw\n");
  fake.dir("/logs");
  CountingCreates os(fake);
  PodRequests requests;
  requests.from_pod_spec = true;
  requests.host_paths = std::vector<HostPathRequest>{};
  requests.read_only_mounts = std::vector<std::string>{"/logs"};
  auto ctx = context_for(os, requests);
  const auto result = judge_linux_host_path(collect_linux_host_path_facts(ctx));
  INFO(result.summary);
  CHECK(os.created.empty());
  CHECK((*mount_at(result, "/logs"))["write"] == "skipped_requested_read_only");
}

TEST_CASE(
    "fs.host_path: with the pod's container unknown, nothing on the no-write list is "
    "written, and the request is unknown") {
  FakePlatform fake;
  fake.file("/proc/self/mountinfo",
            "1 0 8:1 / / rw - ext4 /dev/sda1 rw\n"
            "2 1 8:1 /srv/shared /shared rw,relatime - ext4 /dev/sda1 rw\n"
            "3 1 8:1 /srv/other /other rw,relatime - ext4 /dev/sda1 rw\n");
  fake.dir("/shared");
  fake.dir("/other");
  CountingCreates os(fake);
  // Two containers, no name: the pod's volume is known, not which container mounts it where;
  // one of the containers mounts something read-only at /shared.
  auto requests = asking({{"shared", "/srv/shared", "", false}});
  requests.container_unknown = "the pod has 2 containers (a, b)";
  requests.read_only_mounts = std::vector<std::string>{"/shared/"};
  const auto result = run(os, requests);
  INFO(result.summary);
  CHECK(result.requested == std::nullopt);
  CHECK((*mount_at(result, "/shared"))["write"] == "skipped_requested_read_only");
  CHECK((*mount_at(result, "/other"))["write"] == "ok");
  CHECK(os.created == std::vector<std::string>{"/other/" + std::string(kScratch) + "-hostpath"});
}
