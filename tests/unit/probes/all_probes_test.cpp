// Runs every registered probe against an empty fake platform (nothing under /proc or /sys, no
// CPUID, no burn, no memory trial): each must return a well-formed result for its own id
// without throwing, carry the evidence keys DESIGN.md promises, and leave nothing behind.
#include <catch2/catch.hpp>

#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "agent/pod_spec.hpp"
#include "platform/fake/fake_platform.hpp"
#include "probes/common/judge.hpp"
#include "probes/probe.hpp"
#include "probes/probe_list.hpp"
#include "tests/unit/probes/iso_test_support.hpp"

using capprobe::platform::FakePlatform;
using capprobe::probes::PodRequests;
using capprobe::probes::ProbeContext;
using capprobe::probes::registered_probes;
using capprobe::probes::Status;

namespace {

// DESIGN.md "Capability catalog" and "Evidence keys that other tools read".
const std::vector<std::string> kCatalogIds = {
    "fs.symlink",
    "fs.readonly_root",
    "fs.host_path",
    "fs.pipe_mount",
    "host.network",
    "host.pid",
    "host.ipc",
    "resources.cpu_limit",
    "resources.memory_limit",
    "topology.numa",
    "isolation.kernel",
    "security.identity",
    "security.capabilities",
    "security.confinement",
    "platform.os",
    // Beyond DESIGN.md's table (README, "Capabilities beyond DESIGN.md's table").
    "fs.subpath",
    "fs.empty_dir",
    "api.service_account",
    "net.dns",
    "net.host_port",
};

const std::map<std::string, std::vector<std::string>> kRequiredEvidence = {
    {"host.network", {"namespace"}},
    {"host.pid", {"namespace"}},
    {"host.ipc", {"namespace"}},
    {"fs.readonly_root", {"write_errno"}},
    {"fs.symlink", {"locations"}},
    {"fs.pipe_mount", {"endpoints"}},
    {"resources.cpu_limit", {"limit_cpus", "limit_source", "measured_cpus", "visible_cpus"}},
    {"resources.memory_limit", {"limit_bytes", "limit_source", "outcome", "reached_bytes"}},
    {"topology.numa", {"node_count", "nodes", "allowed_cpus", "allowed_nodes"}},
    {"isolation.kernel", {"hypervisor", "flavor", "signals", "boot_id"}},
    {"platform.os", {"os", "version", "build", "release", "kernel"}},
    {"fs.subpath", {"mounts", "mount_table"}},
    {"fs.empty_dir", {"volumes"}},
    {"api.service_account", {"dir", "files", "token", "api_request"}},
    {"net.dns", {"resolv_conf", "mismatches", "query"}},
    {"net.host_port", {"host_ip", "ports"}},
};

void check_well_formed(const capprobe::probes::CapabilityResult& result, const std::string& id) {
  INFO("probe " << id << " said: " << result.summary);
  CHECK(result.id == id);
  CHECK_FALSE(result.summary.empty());
  // A sentence of its own: a capital letter, a number or a path first.
  const char first = result.summary.empty() ? ' ' : result.summary.front();
  CHECK(((first >= 'A' && first <= 'Z') || (first >= '0' && first <= '9') || first == '/'));
  CHECK(result.evidence.is_object());
  if (result.status == Status::error) return;  // a failed probe owes no evidence
  CHECK_FALSE(result.observed.empty());
  const auto required = kRequiredEvidence.find(id);
  if (required == kRequiredEvidence.end()) return;
  for (const auto& key : required->second) {
    INFO("evidence key " << key);
    CHECK(result.evidence.contains(key));
  }
}

}  // namespace

// Each OS's catalog, both built on Linux (the Windows collectors are pure logic over the
// platform interfaces): one test over every probe on each OS.
const std::vector<std::pair<std::string, const std::vector<capprobe::probes::Probe>*>>& catalogs() {
  static const std::vector<std::pair<std::string, const std::vector<capprobe::probes::Probe>*>>
      both = {{"linux", &capprobe::probes::linux_probes()},
              {"windows", &capprobe::probes::windows_probes()}};
  return both;
}

TEST_CASE("each OS's registry holds exactly the catalog of DESIGN.md, each id once") {
  CHECK(&registered_probes() == &capprobe::probes::linux_probes());  // this build is Linux
  for (const auto& [os_name, catalog] : catalogs()) {
    INFO(os_name);
    std::set<std::string> registered;
    for (const auto& probe : *catalog) {
      CHECK(registered.insert(probe.info.id).second);
      CHECK_FALSE(probe.info.title.empty());
      CHECK_FALSE(probe.info.platforms.empty());
      CHECK(probe.info.timeout.count() > 0);
    }
    CHECK(registered == std::set<std::string>(kCatalogIds.begin(), kCatalogIds.end()));
  }
}

TEST_CASE("every probe of each OS returns a well-formed result on an empty platform") {
  // Empty: no file under /proc or /sys, and every Windows fact answers an error.
  for (const bool quick : {true, false})
    for (const auto& [os_name, catalog] : catalogs())
      for (const auto& probe : *catalog) {
        DYNAMIC_SECTION(os_name << " " << probe.info.id << (quick ? " quick" : " full")) {
          FakePlatform os;
          const auto entries_before = os.entry_count();
          PodRequests requests;
          ProbeContext context{os, requests, quick, ".capprobe-4242-abcdef",
                               std::chrono::steady_clock::now() + probe.info.timeout};
          capprobe::probes::CapabilityResult result;
          REQUIRE_NOTHROW(result = probe.run(context));
          check_well_formed(result, probe.info.id);
          CHECK(result.requested == std::nullopt);  // no pod spec: nothing is known to be asked
          CHECK(os.entry_count() == entries_before);
          if (quick && probe.info.cost == capprobe::probes::Cost::heavy) {
            CHECK(os.memory_trials_run.empty());
          }
        }
      }
}

TEST_CASE("every probe fills requested from a pod spec without throwing") {
  PodRequests requests;
  requests.from_pod_spec = true;
  requests.host_network = requests.host_pid = requests.host_ipc = true;
  requests.read_only_root = true;
  requests.cpu_limit_cpus = 0.5;
  requests.memory_limit_bytes = 128ull << 20;
  requests.run_as_user = 1000;
  requests.runtime_class = "kata";
  for (const auto& [os_name, catalog] : catalogs())
    for (const auto& probe : *catalog) {
      DYNAMIC_SECTION(os_name << " " << probe.info.id) {
        FakePlatform os;
        ProbeContext context{os, requests, true, ".capprobe-4242-abcdef",
                             std::chrono::steady_clock::now() + probe.info.timeout};
        capprobe::probes::CapabilityResult result;
        REQUIRE_NOTHROW(result = probe.run(context));
        check_well_formed(result, probe.info.id);
      }
    }
}

TEST_CASE("a pod spec whose container is unknown: container-level requests are null, and why") {
  // What the parser gives for a pod of two containers and no name: the pod's own fields (at
  // their defaults here, one hostPath volume a socket) and none of the container's.
  PodRequests requests;
  requests.from_pod_spec = true;
  requests.container_unknown =
      "the pod has 2 containers (app, probe) and neither --container nor CAPPROBE_CONTAINER "
      "names one";
  requests.host_network = requests.host_pid = requests.host_ipc = false;
  requests.supplemental_groups = std::vector<std::int64_t>{};
  requests.host_paths = std::vector<capprobe::probes::HostPathRequest>{
      {"logs", "/var/log/pods", "", false}, {"sock", "/run/containerd/containerd.sock", "", false}};
  requests.read_only_mounts = std::vector<std::string>{};
  const std::set<std::string> container_level = {"fs.readonly_root",       "fs.host_path",
                                                 "fs.pipe_mount",          "resources.cpu_limit",
                                                 "resources.memory_limit", "security.identity",
                                                 "security.capabilities",  "security.confinement"};
  const std::set<std::string> pod_level = {"host.network", "host.pid", "host.ipc",
                                           "isolation.kernel"};
  for (const auto& probe : registered_probes()) {
    DYNAMIC_SECTION(probe.info.id) {
      FakePlatform os;
      ProbeContext context{os, requests, true, ".capprobe-4242-abcdef",
                           std::chrono::steady_clock::now() + probe.info.timeout};
      capprobe::probes::CapabilityResult result;
      REQUIRE_NOTHROW(result = probe.run(context));
      check_well_formed(result, probe.info.id);
      INFO(result.summary);
      if (container_level.count(probe.info.id)) {
        CHECK(result.requested == std::nullopt);
        CHECK_THAT(result.summary, Catch::Contains("2 containers (app, probe)"));
        CHECK_FALSE(result.requested_but_ignored());
      }
      if (pod_level.count(probe.info.id)) CHECK(result.requested == false);
    }
  }
}

namespace {

// Every result of every registered probe for `requests`, in a plain pod container: under runc
// with namespaces of its own and a writable root (iso-runc-kvm, iso-NOTES.md), as root with
// Docker's default capabilities, seccomp filter and AppArmor profile (sec-docker-default, its
// process files under /proc/7, iso-runc-kvm's /proc/self). Where a field asks for more, it is
// not in effect here.
std::vector<capprobe::probes::CapabilityResult> results_in_plain_container(
    const PodRequests& requests) {
  std::vector<capprobe::probes::CapabilityResult> results;
  for (const auto& probe : registered_probes()) {
    FakePlatform os;
    capprobe::testing::load_iso_fixture(os, "iso-runc-kvm");
    const auto docker = capprobe::testing::fixture_dir("sec-docker-default");
    os.load_tree(docker + "/proc/self", "/proc/7")
        .load_tree(docker + "/proc/sys", "/proc/sys")
        .load_tree(docker + "/sys", "/sys")
        .load_tree(docker + "/etc", "/etc");
    ProbeContext context{os, requests, true, ".capprobe-4242-abcdef",
                         std::chrono::steady_clock::now() + probe.info.timeout};
    results.push_back(probe.run(context));
  }
  return results;
}

std::string text_of(const std::string& path) {
  std::ifstream in(path);
  REQUIRE(in.good());
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

TEST_CASE(
    "a windows pod spec setting every field the API server refuses for it: none is "
    "requested, none ignored") {
  // Over this build's catalog (registered_probes); the Windows catalog belongs here too once
  // registry_windows.cpp builds it. tests/fixtures/podspec-win/refused-fields.json sets every
  // row of the Windows table (agent::os_refused_fields) at the pod and the container level, plus
  // CPU and memory limits a Windows pod may ask for. Its twin without spec.os.name is an
  // ordinary Linux pod.
  const auto document = text_of(capprobe::testing::fixture_dir("podspec-win/refused-fields.json"));
  auto twin = nlohmann::json::parse(document);
  twin["spec"].erase("os");
  const auto windows_parse = capprobe::agent::parse_pod_spec(document);
  const auto linux_parse = capprobe::agent::parse_pod_spec(twin.dump());
  REQUIRE(windows_parse.requests.has_value());
  REQUIRE(linux_parse.requests.has_value());
  const auto& windows_pod = *windows_parse.requests;

  // The capabilities the refused fields would feed, from the parse itself.
  std::set<std::string> fed;
  for (const auto& refused : windows_pod.refused)
    if (!refused.capability.empty()) fed.insert(refused.capability);
  CHECK(fed == std::set<std::string>{"host.pid", "host.ipc", "fs.readonly_root",
                                     "security.identity", "security.capabilities",
                                     "security.confinement"});

  // Without the rule this spec would be loud: as a Linux pod, what it asks is not in effect in
  // this container, and the probes say so.
  std::set<std::string> ignored_as_linux;
  for (const auto& result : results_in_plain_container(*linux_parse.requests))
    if (result.requested_but_ignored()) ignored_as_linux.insert(result.id);
  CHECK(ignored_as_linux == fed);

  // As the windows pod it is, the API server would refuse it: nothing is requested through the
  // refused fields, nothing is called ignored, and the summary says why the request is unknown.
  for (const auto& result : results_in_plain_container(windows_pod)) {
    INFO(result.id << ": " << result.summary);
    CHECK_FALSE(result.requested_but_ignored());
    CHECK(result.summary.find(std::string(capprobe::probes::kIgnoredPrefix)) == std::string::npos);
    if (fed.count(result.id)) {
      CHECK(result.requested == std::nullopt);
      CHECK_THAT(result.summary, Catch::Contains("which the API server refuses for a windows pod"));
    }
    // What a windows pod may ask still counts: its limits.
    if (result.id == "resources.cpu_limit" || result.id == "resources.memory_limit")
      CHECK(result.requested == true);
    else
      CHECK(result.requested != true);
  }
}
