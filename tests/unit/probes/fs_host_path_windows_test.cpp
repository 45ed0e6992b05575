// fs.host_path on Windows: the pod spec's hostPath mount paths looked at and written to (not
// where asked read-only); the verdict as a table and the whole probe over the fake in the shapes
// of WS2016/WS2019/WS2022 containers and HostProcess (containerd 1.6 and 1.7); see
// tests/fixtures/win-NOTES.md, "fs".
#include <catch2/catch.hpp>

#include "probes/common/judge.hpp"
#include "probes/fs/host_path_windows.hpp"
#include "tests/unit/probes/fs_test_support.hpp"
#include "tests/unit/probes/fs_windows_shapes.hpp"

using capprobe::platform::FakePlatform;
using capprobe::probes::CapabilityResult;
using capprobe::probes::HostPathRequest;
using capprobe::probes::PodRequests;
using capprobe::probes::Status;
using capprobe::probes::fs::collect_windows_host_path_facts;
using capprobe::probes::fs::judge_windows_host_path;
using capprobe::probes::fs::WindowsHostPathFacts;
using capprobe::probes::fs::WindowsHostPathMount;
using capprobe::testing::context_for;
using namespace capprobe::testing;

namespace {

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

const HostPathRequest kData{"data", "C:\\node\\data", "C:/data", false};
const HostPathRequest kLogs{"logs", "C:\\var\\log", "C:/logs", true};
const HostPathRequest kEngine{"engine", "\\\\.\\pipe\\docker_engine", "\\\\.\\pipe\\docker_engine",
                              false};

WindowsHostPathMount seen(const HostPathRequest& request, std::string presence, std::string write) {
  WindowsHostPathMount mount;
  mount.request = request;
  mount.looked_at = request.mount_path;
  mount.presence = std::move(presence);
  mount.write = std::move(write);
  if (mount.write.rfind("ERROR_ACCESS", 0) == 0)
    mount.write_kind = capprobe::platform::ErrorKind::denied;
  return mount;
}

WindowsHostPathFacts facts_of(std::vector<WindowsHostPathMount> mounts,
                              std::vector<HostPathRequest> pipes = {}) {
  WindowsHostPathFacts facts;
  facts.requests = std::vector<HostPathRequest>{};
  for (const auto& mount : mounts) facts.requests->push_back(mount.request);
  for (const auto& pipe : pipes) facts.requests->push_back(pipe);
  facts.mounts = std::move(mounts);
  facts.pipes = std::move(pipes);
  return facts;
}

PodRequests pod_with(std::vector<HostPathRequest> host_paths) {
  PodRequests requests;
  requests.from_pod_spec = true;
  requests.host_paths = std::move(host_paths);
  return requests;
}

CapabilityResult run(capprobe::platform::Platform& os, const PodRequests& requests = {}) {
  auto ctx = context_for(os, requests);
  return judge_windows_host_path(collect_windows_host_path_facts(ctx));
}

}  // namespace

TEST_CASE("fs.host_path Windows verdict table") {
  struct Row {
    std::string name;
    WindowsHostPathFacts facts;
    Status status;
    std::string observed;
    std::optional<bool> requested;
    std::string summary_has;
  };
  auto mapped = seen(kData, "mapped_link", "ok");
  mapped.link_target = "\\\\?\\ContainerMappedDirectories\\C033FFC2-6115-4A44-8A5B-DD2DFE13FC4C";
  auto sandboxed = seen(kData, "directory", "ok");
  sandboxed.looked_at = "C:/hpc/abc/data";
  auto hung = seen(kData, "unanswered", "timed_out");
  hung.write_detail = "timed out after 1000 ms (the filesystem did not answer)";
  const std::vector<Row> rows = {
      {"no pod spec", WindowsHostPathFacts{}, Status::untested, "unknown", std::nullopt,
       "Windows shows no mount table"},
      {"no hostPath in this container", facts_of({}), Status::untested, "none", false,
       "no hostPath volume is mounted in this container"},
      {"only named pipes", facts_of({}, {kEngine}), Status::untested, "none", true,
       "are named pipes (\\\\.\\pipe\\docker_engine): fs.pipe_mount connects to them"},
      {"mounted and writable", facts_of({seen(kData, "directory", "ok")}), Status::supported,
       "present", true, "C:/data (a test file was created and removed)"},
      {"read-only as asked, not written",
       facts_of({seen(kLogs, "directory", "skipped_requested_read_only")}), Status::supported,
       "present", true, "read-only as asked: nothing written, so read-only is not verified"},
      {"not mounted", facts_of({seen(kData, "missing", "skipped_missing")}), Status::unsupported,
       "missing", true,
       "REQUESTED BUT IGNORED: hostPath was requested but is not in effect: not "
       "mounted: C:/data (volume data, hostPath C:\\node\\data)"},
      {"read-write asked, write-protected",
       facts_of({seen(kData, "directory", "ERROR_WRITE_PROTECT")}), Status::partial,
       "forced_read_only", true, "hostPath mounted read-only although read-write was requested"},
      {"did not answer", facts_of({hung}), Status::untested, "unknown", true,
       "C:/data did not answer"},
      {"a WS2016-era mapping", facts_of({mapped}), Status::supported, "present", true,
       "as volumes show on WS2016-era builds"},
      {"writes refused by a permission check",
       facts_of({seen(kData, "directory", "ERROR_ACCESS_DENIED")}), Status::supported, "present",
       true, "failed with ERROR_ACCESS_DENIED, a permission check"},
      {"found under the sandbox mount point", facts_of({sandboxed}), Status::supported, "present",
       true, "found at C:/hpc/abc/data, under CONTAINER_SANDBOX_MOUNT_POINT"},
      {"missing beats everything", facts_of({seen(kData, "missing", "skipped_missing"), hung}),
       Status::unsupported, "missing", true, "REQUESTED BUT IGNORED"},
  };
  for (const auto& row : rows) {
    DYNAMIC_SECTION(row.name) {
      const auto result = judge_windows_host_path(row.facts);
      INFO(result.summary);
      CHECK(result.id == "fs.host_path");
      CHECK(result.status == row.status);
      CHECK(result.observed == row.observed);
      CHECK(result.requested == row.requested);
      CHECK(has(result.summary, row.summary_has));
      CHECK(result.evidence["mount_table"] == false);
      REQUIRE(result.evidence["requested"].size() == row.facts.mounts.size());
      for (std::size_t i = 0; i < row.facts.mounts.size(); ++i)
        CHECK(result.evidence["requested"][i]["presence"] == row.facts.mounts[i].presence);
    }
  }
}

TEST_CASE("fs.host_path Windows verdict: HostProcess, residue and the write's errno are said") {
  auto facts = facts_of({seen(kData, "directory", "ok"), seen(kLogs, "directory", "ERROR_X")});
  facts.host_process = true;
  facts.sandbox_mount_point = "C:\\hpc\\";
  facts.mounts[0].remove_errno = "ERROR_SHARING_VIOLATION";
  const auto result = judge_windows_host_path(facts);
  INFO(result.summary);
  CHECK(has(result.summary, "a HostProcess container: it sees the node's filesystem directly"));
  CHECK(has(result.summary, "WARNING: the test file in C:/data could not be removed"));
  CHECK(result.evidence["requested"][0]["write_errno"].is_null());
  CHECK(result.evidence["requested"][1]["write_errno"] == "ERROR_X");
  CHECK(result.evidence["requested"][0]["remove_errno"] == "ERROR_SHARING_VIOLATION");
  CHECK(result.evidence["sandbox_mount_point"] == "C:\\hpc\\");
  CHECK(result.evidence["host_process"] == true);
}

TEST_CASE("fs.host_path on WS2019: a hostPath written and cleaned, a read-only one left alone") {
  FakePlatform fake;
  process_isolated(fake, container_administrator(), kBuildWs2019);
  fake.dir("C:/data").dir("C:/logs");
  const auto before = fake.entry_count();
  CountingCreates os(fake);
  const auto result = run(os, pod_with({kData, kLogs, kEngine}));
  INFO(result.summary);
  CHECK(result.status == Status::supported);
  CHECK(result.observed == "present");
  CHECK(result.requested == true);
  CHECK(os.created == std::vector<std::string>{"C:/data/.capprobe-4242-test-hostpath"});
  const auto& requested = result.evidence["requested"];
  REQUIRE(requested.size() == 2);
  CHECK(requested[0]["write"] == "ok");
  CHECK(requested[0]["state"] == "ok");
  CHECK(requested[1]["write"] == "skipped_requested_read_only");
  CHECK(result.evidence["named_pipes"] == nlohmann::json::array({"\\\\.\\pipe\\docker_engine"}));
  CHECK(has(result.summary, "a test file was created and removed"));
  CHECK(fake.entry_count() == before);
}

TEST_CASE("fs.host_path on WS2022: a volume the pod spec asks for is not there") {
  FakePlatform os;
  process_isolated(os, container_user(), kBuildWs2022);
  const auto result = run(os, pod_with({kData}));
  INFO(result.summary);
  CHECK(result.requested_but_ignored());
  CHECK(result.observed == "missing");
  CHECK(result.evidence["requested"][0]["presence"] == "missing");
  CHECK(os.windows.symlink_requests.empty());
}

TEST_CASE("fs.host_path on WS2016: the volume is a link to ContainerMappedDirectories") {
  FakePlatform os;
  process_isolated(os, container_administrator(), kBuildWs2016);
  os.dir("/ContainerMappedDirectories/C033FFC2");
  // On the node it reads \\?\ContainerMappedDirectories\<GUID>; the fake follows a path it knows.
  os.link("C:/data", "/ContainerMappedDirectories/C033FFC2");
  const auto before = os.entry_count();
  const auto result = run(os, pod_with({kData}));
  INFO(result.summary);
  CHECK(result.status == Status::supported);
  const auto& mount = result.evidence["requested"][0];
  CHECK(mount["presence"] == "mapped_link");
  CHECK(mount["link_target"] == "/ContainerMappedDirectories/C033FFC2");
  CHECK(mount["write"] == "ok");
  CHECK(has(result.summary, "WS2016-era builds"));
  CHECK(os.entry_count() == before);
}

TEST_CASE("fs.host_path in a HostProcess container (containerd 1.6): under the sandbox mount") {
  FakePlatform os;
  host_process(os, kBuildWs2019);
  os.environment["CONTAINER_SANDBOX_MOUNT_POINT"] = "C:/hpc/3f2a/";
  os.dir("C:/hpc/3f2a/data");
  const auto before = os.entry_count();
  const auto result = run(os, pod_with({kData}));
  INFO(result.summary);
  CHECK(result.status == Status::supported);
  CHECK(result.evidence["requested"][0]["looked_at"] == "C:/hpc/3f2a/data");
  CHECK(result.evidence["requested"][0]["write"] == "ok");
  CHECK(result.evidence["host_process"] == true);
  CHECK(has(result.summary, "under CONTAINER_SANDBOX_MOUNT_POINT"));
  CHECK(has(result.summary, "it sees the node's filesystem directly"));
  CHECK(os.entry_count() == before);
}

TEST_CASE("fs.host_path in a HostProcess container (containerd 1.7): at its mount path") {
  FakePlatform os;
  host_process(os);
  os.dir("C:/data");
  const auto result = run(os, pod_with({kData}));
  INFO(result.summary);
  CHECK(result.status == Status::supported);
  CHECK(result.evidence["requested"][0]["looked_at"] == "C:/data");
}

TEST_CASE("fs.host_path on Windows without a pod spec, or without this container's: untested") {
  FakePlatform os;
  process_isolated(os, container_administrator(), kBuildWs2022);
  auto result = run(os);
  CHECK(result.status == Status::untested);
  CHECK(result.requested == std::nullopt);
  CHECK(has(result.summary, "no mount table"));

  auto requests = pod_with({kData});
  requests.container_unknown = "the pod has 2 containers";
  os.dir("C:/data");
  const auto before = os.entry_count();
  result = run(os, requests);
  CHECK(result.status == Status::untested);
  CHECK(result.requested == std::nullopt);
  CHECK(os.entry_count() == before);
}

TEST_CASE("fs.host_path on Windows reports a hung share and still tries the others") {
  auto world = std::make_shared<GuardedWorld>();
  auto& os = world->os;
  process_isolated(os, container_administrator(), kBuildWs2022);
  os.dir("C:/share").dir("C:/data");
  os.hang("C:/share");
  world->requests = pod_with({{"share", "\\\\fileserver\\share", "C:/share", false}, kData});
  const auto result = run_guarded(world, [](auto& ctx) {
    return judge_windows_host_path(collect_windows_host_path_facts(ctx));
  });
  REQUIRE(result);
  INFO(result->summary);
  CHECK(os.hung_calls() >= 1);
  CHECK(result->status == Status::untested);
  CHECK(result->evidence["requested"][0]["presence"] == "unanswered");
  CHECK(result->evidence["requested"][0]["write_detail"] ==
        "timed out after 2000 ms (the filesystem did not answer)");
  CHECK(result->evidence["requested"][1]["write"] == "ok");
}
