// fs.pipe_mount on Windows: named pipes of the container runtime, kubelet and CSI proxy, opened
// and closed; the verdict as a table and the whole probe over the fake in the shapes of
// process-isolated containers with pipe mounts, HostProcess containers and Wine (see
// tests/fixtures/win-NOTES.md, "fs").
#include <catch2/catch.hpp>

#include "probes/fs/pipe_mount_windows.hpp"
#include "tests/unit/probes/fs_test_support.hpp"
#include "tests/unit/probes/fs_windows_shapes.hpp"

using capprobe::platform::FakePlatform;
using capprobe::probes::CapabilityResult;
using capprobe::probes::HostPathRequest;
using capprobe::probes::PodRequests;
using capprobe::probes::Status;
using capprobe::probes::fs::collect_windows_pipe_mount_facts;
using capprobe::probes::fs::Endpoint;
using capprobe::probes::fs::judge_windows_pipe_mount;
using capprobe::probes::fs::kWellKnownPipes;
using capprobe::probes::fs::WindowsPipeMountFacts;
using capprobe::testing::context_for;
using namespace capprobe::testing;

namespace {

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

Endpoint pipe(const std::string& name, const std::string& origin, const std::string& state,
              std::optional<std::string> error = std::nullopt) {
  return Endpoint{"\\\\.\\pipe\\" + name, origin, state, std::move(error), std::nullopt, {}};
}

WindowsPipeMountFacts facts_of(std::vector<Endpoint> endpoints,
                               std::optional<bool> requested = std::nullopt) {
  WindowsPipeMountFacts facts;
  facts.endpoints = std::move(endpoints);
  facts.listed = container_service_pipes();
  facts.requested = requested;
  for (const auto& endpoint : facts.endpoints)
    if (endpoint.origin == "requested") facts.requested_paths.push_back(endpoint.path);
  return facts;
}

HostPathRequest pipe_volume(const std::string& name) {
  const auto path = "\\\\.\\pipe\\" + name;
  return {name, path, path, false};
}

PodRequests pod_with(std::vector<HostPathRequest> host_paths) {
  PodRequests requests;
  requests.from_pod_spec = true;
  requests.host_paths = std::move(host_paths);
  return requests;
}

CapabilityResult run(FakePlatform& os, const PodRequests& requests = {}) {
  auto ctx = context_for(os, requests);
  return judge_windows_pipe_mount(collect_windows_pipe_mount_facts(ctx));
}

const nlohmann::json* endpoint_at(const CapabilityResult& result, const std::string& name) {
  for (const auto& endpoint : result.evidence["endpoints"])
    if (endpoint["path"] == "\\\\.\\pipe\\" + name) return &endpoint;
  return nullptr;
}

}  // namespace

TEST_CASE("fs.pipe_mount Windows verdict table") {
  const auto busy = pipe("csi-proxy-filesystem-v1", "requested", "refused", "ERROR_PIPE_BUSY");
  auto host_process_facts = facts_of({pipe("containerd-containerd", "well_known", "connected")});
  host_process_facts.host_process = true;
  auto host_process_asked =
      facts_of({pipe("csi-proxy-smb-v1", "requested", "absent", "ERROR_FILE_NOT_FOUND")}, true);
  host_process_asked.host_process = true;
  auto wine = facts_of({pipe("containerd-containerd", "well_known", "connected")});
  wine.listed.reset();
  wine.listing_error = "ERROR_BAD_DEV_TYPE";
  struct Row {
    std::string name;
    WindowsPipeMountFacts facts;
    Status status;
    std::string observed;
    std::string summary_has;
  };
  const std::vector<Row> rows = {
      {"a mounted pipe, not asked for",
       facts_of({pipe("docker_engine", "well_known", "connected")}, false), Status::supported,
       "connected", "\\\\.\\pipe\\docker_engine connected (mounted into this container)"},
      {"HostProcess sees the node's pipes", host_process_facts, Status::supported, "connected",
       "seen directly: a HostProcess container gets no named-pipe mounts"},
      {"asked for and connected",
       facts_of({pipe("csi-proxy-filesystem-v1", "requested", "connected"),
                 pipe("csi-proxy-volume-v1", "requested", "connected")},
                true),
       Status::supported, "connected", "the requested named pipes accept a connection"},
      {"asked for, not there",
       facts_of({pipe("docker_engine", "requested", "absent", "ERROR_FILE_NOT_FOUND")}, true),
       Status::unsupported, "none",
       "REQUESTED BUT IGNORED: a named-pipe hostPath was requested but is not in effect: no "
       "requested named pipe accepts a connection"},
      {"asked for in HostProcess, not served", host_process_asked, Status::unsupported, "none",
       "a HostProcess container gets no named-pipe mounts, and the node serves no pipe"},
      {"asked for, denied",
       facts_of({pipe("docker_engine", "requested", "denied", "ERROR_ACCESS_DENIED")}, true),
       Status::untested, "present_denied", "this process may not open \\\\.\\pipe\\docker_engine"},
      {"asked for, one busy",
       facts_of({pipe("csi-proxy-disk-v1", "requested", "connected"), busy}, true), Status::partial,
       "connected", "some requested named pipes accept a connection"},
      {"busy only, not asked for",
       facts_of({pipe("csi-proxy-filesystem-v1", "listed", "refused", "ERROR_PIPE_BUSY")}),
       Status::partial, "present_refused", "ERROR_PIPE_BUSY: the pipe exists"},
      {"denied only, not asked for",
       facts_of({pipe("docker_engine", "well_known", "denied", "ERROR_ACCESS_DENIED")}),
       Status::untested, "present_denied", "a permission check, not the pipe's answer"},
      {"nothing reachable",
       facts_of({pipe("containerd-containerd", "well_known", "absent", "ERROR_FILE_NOT_FOUND")},
                false),
       Status::untested, "none", "no host named pipe is reachable (1 runtime"},
      {"the listing fails (Wine)", wine, Status::supported, "connected",
       "the \\\\.\\pipe\\ listing failed (ERROR_BAD_DEV_TYPE), so only the well-known"},
  };
  for (const auto& row : rows) {
    DYNAMIC_SECTION(row.name) {
      const auto result = judge_windows_pipe_mount(row.facts);
      INFO(result.summary);
      CHECK(result.id == "fs.pipe_mount");
      CHECK(result.status == row.status);
      CHECK(result.observed == row.observed);
      CHECK(result.requested == row.facts.requested);
      CHECK(has(result.summary, row.summary_has));
      REQUIRE(result.evidence["endpoints"].size() == row.facts.endpoints.size());
      for (std::size_t i = 0; i < row.facts.endpoints.size(); ++i) {
        const auto& json = result.evidence["endpoints"][i];
        CHECK(json["kind"] == "named_pipe");
        CHECK(json["path"] == row.facts.endpoints[i].path);
        CHECK(json["state"] == row.facts.endpoints[i].state);
      }
      CHECK(result.evidence["host_process"] == row.facts.host_process);
    }
  }
}

TEST_CASE("fs.pipe_mount Windows evidence: listing, mounts and short absent names") {
  auto facts = facts_of({pipe("docker_engine", "well_known", "absent", "ERROR_FILE_NOT_FOUND"),
                         pipe("csi-proxy-filesystem-v1", "requested", "connected")},
                        true);
  facts.listed->push_back("csi-proxy-filesystem-v1");
  auto result = judge_windows_pipe_mount(facts);
  const auto& absent = result.evidence["endpoints"][0];
  CHECK(absent.size() == 3);  // path, kind, state
  const auto& asked = result.evidence["endpoints"][1];
  CHECK(asked["origin"] == "requested");
  CHECK(asked["listed"] == true);
  CHECK(asked["errno"].is_null());
  CHECK(result.evidence["pipe_listing"]["count"] == container_service_pipes().size() + 1);
  CHECK(has(result.evidence["named_pipe_mounts"].get<std::string>(), "only when it is mounted"));
  CHECK(result.evidence["requested_paths"] ==
        nlohmann::json::array({"\\\\.\\pipe\\csi-proxy-filesystem-v1"}));

  facts.host_process = true;
  facts.listed.reset();
  facts.listing_error = "ERROR_BAD_DEV_TYPE";
  result = judge_windows_pipe_mount(facts);
  CHECK(result.evidence["endpoints"][1]["listed"].is_null());
  CHECK(result.evidence["pipe_listing"]["error"] == "ERROR_BAD_DEV_TYPE");
  CHECK(has(result.evidence["named_pipe_mounts"].get<std::string>(), "HostProcess"));
}

TEST_CASE("fs.pipe_mount on WS2019: docker_engine mounted as asked is connected, nothing sent") {
  FakePlatform os;
  process_isolated(os, container_administrator(), kBuildWs2019);
  auto listing = container_service_pipes();
  listing.push_back("docker_engine");
  os.windows.pipe_names = listing;
  os.windows.pipes["docker_engine"] = "";
  os.windows.pipes["lsass"] = "";  // a service's pipe of the container's own: never opened
  const auto result = run(os, pod_with({pipe_volume("docker_engine")}));
  INFO(result.summary);
  CHECK(result.status == Status::supported);
  CHECK(result.requested == true);
  const auto* engine = endpoint_at(result, "docker_engine");
  REQUIRE(engine);
  CHECK((*engine)["state"] == "connected");
  CHECK((*engine)["origin"] == "requested");
  CHECK((*engine)["listed"] == true);
  CHECK(endpoint_at(result, "lsass") == nullptr);
  CHECK((*endpoint_at(result, "containerd-containerd"))["state"] == "absent");
  CHECK(result.evidence["endpoints"].size() == kWellKnownPipes.size());
}

TEST_CASE("fs.pipe_mount as ContainerUser: the mounted engine pipe denies, which is not ignored") {
  FakePlatform os;
  process_isolated(os, container_user(), kBuildWs2022);
  os.windows.pipes["docker_engine"] = "ERROR_ACCESS_DENIED";
  const auto result = run(os, pod_with({pipe_volume("docker_engine")}));
  INFO(result.summary);
  CHECK(result.status == Status::untested);
  CHECK_FALSE(result.requested_but_ignored());
  CHECK((*endpoint_at(result, "docker_engine"))["errno"] == "ERROR_ACCESS_DENIED");
}

TEST_CASE("fs.pipe_mount for a CSI node plugin on WS2022: one CSI proxy pipe busy, partial") {
  FakePlatform os;
  process_isolated(os, container_administrator(), kBuildWs2022);
  os.windows.pipes["csi-proxy-filesystem-v1"] = "ERROR_PIPE_BUSY";
  os.windows.pipes["csi-proxy-volume-v1"] = "";
  os.windows.pipes["csi-proxy-disk-v1"] = "";
  const auto result =
      run(os, pod_with({pipe_volume("csi-proxy-filesystem-v1"), pipe_volume("csi-proxy-volume-v1"),
                        pipe_volume("csi-proxy-disk-v1")}));
  INFO(result.summary);
  CHECK(result.status == Status::partial);
  CHECK((*endpoint_at(result, "csi-proxy-filesystem-v1"))["state"] == "refused");
  CHECK((*endpoint_at(result, "csi-proxy-filesystem-v1"))["errno"] == "ERROR_PIPE_BUSY");
  CHECK(result.evidence["requested_paths"].size() == 3);
}

TEST_CASE("fs.pipe_mount on WS2022: the asked pipe is not mounted, requested but ignored") {
  FakePlatform os;
  process_isolated(os, container_administrator(), kBuildWs2022);
  const auto result = run(os, pod_with({pipe_volume("csi-proxy-smb-v1")}));
  INFO(result.summary);
  CHECK(result.requested_but_ignored());
  CHECK(result.observed == "none");
}

TEST_CASE("fs.pipe_mount in a HostProcess container: the node's pipes, directly") {
  FakePlatform os;
  host_process(os);
  auto listing = os.windows.pipe_names.value();
  listing.push_back("csi-proxy-filesystem-v2alpha1");
  os.windows.pipe_names = listing;
  for (const auto* name :
       {"containerd-containerd", "csi-proxy-filesystem-v1", "csi-proxy-disk-v1",
        "csi-proxy-volume-v1", "kubelet-pod-resources", "csi-proxy-filesystem-v2alpha1"})
    os.windows.pipes[name] = "";
  const auto result = run(os);
  INFO(result.summary);
  CHECK(result.status == Status::supported);
  CHECK(result.requested == std::nullopt);
  CHECK((*endpoint_at(result, "kubelet-pod-resources"))["state"] == "connected");
  const auto* listed = endpoint_at(result, "csi-proxy-filesystem-v2alpha1");
  REQUIRE(listed);
  CHECK((*listed)["origin"] == "listed");
  CHECK(has(result.summary, "a HostProcess container gets no named-pipe mounts"));
  CHECK(result.evidence["host_process"] == true);
}

TEST_CASE("fs.pipe_mount in a HostProcess container asking for a pipe mount the node lacks") {
  FakePlatform os;
  host_process(os);
  const auto result = run(os, pod_with({pipe_volume("csi-proxy-smb-v1")}));
  INFO(result.summary);
  CHECK(result.requested_but_ignored());
  CHECK(has(result.summary, "a HostProcess container gets no named-pipe mounts"));
}

TEST_CASE("fs.pipe_mount under Wine: the listing fails (66), the well-known names still tried") {
  FakePlatform os;
  process_isolated(os, container_administrator(), kBuildWs2019);
  os.windows.pipe_names =
      capprobe::platform::fake_error("ERROR_BAD_DEV_TYPE", "FindFirstFileW \\\\.\\pipe\\*");
  os.windows.pipes["containerd-containerd"] = "";
  const auto result = run(os);
  INFO(result.summary);
  CHECK(result.status == Status::supported);
  CHECK((*endpoint_at(result, "containerd-containerd"))["listed"].is_null());
  CHECK(result.evidence["pipe_listing"]["error"] == "ERROR_BAD_DEV_TYPE");
  CHECK(has(result.summary, "listing failed (ERROR_BAD_DEV_TYPE)"));
}

TEST_CASE("fs.pipe_mount on Windows: nothing reachable, no pod spec, and the endpoint limit") {
  FakePlatform os;
  process_isolated(os, container_administrator(), kBuildWs2022);
  auto result = run(os);
  CHECK(result.status == Status::untested);
  CHECK(result.requested == std::nullopt);
  CHECK(result.observed == "none");

  auto listing = container_service_pipes();
  for (int i = 0; i < 30; ++i) listing.push_back("containerd-shim-" + std::to_string(i));
  os.windows.pipe_names = listing;
  result = run(os, pod_with({}));
  INFO(result.summary);
  CHECK(result.requested == false);
  CHECK(result.evidence["endpoints"].size() == capprobe::probes::fs::kMaxPipeEndpoints);
  CHECK(result.evidence["skipped"].size() ==
        kWellKnownPipes.size() + 30 - capprobe::probes::fs::kMaxPipeEndpoints);
  CHECK(has(result.summary, "name(s) not tried"));
}

TEST_CASE("fs.pipe_mount on Windows opens a pipe by the name the container mounts it at") {
  FakePlatform os;
  process_isolated(os, container_administrator(), kBuildWs2019);
  os.windows.pipes["engine"] = "";
  const auto result =
      run(os, pod_with({{"engine", "\\\\.\\pipe\\docker_engine", "\\\\.\\pipe\\engine", false}}));
  INFO(result.summary);
  CHECK(result.status == Status::supported);
  CHECK(result.evidence["requested_paths"] == nlohmann::json::array({"\\\\.\\pipe\\engine"}));
  CHECK((*endpoint_at(result, "engine"))["origin"] == "requested");
}
