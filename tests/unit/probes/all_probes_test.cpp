// Runs every registered probe against an empty fake platform (nothing under /proc or /sys, no
// CPUID, no burn, no memory trial): each must return a well-formed result for its own id
// without throwing, carry the evidence keys DESIGN.md promises, and leave nothing behind.
#include <catch2/catch.hpp>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "platform/fake/fake_platform.hpp"
#include "probes/probe.hpp"

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

TEST_CASE("the registry holds exactly the catalog of DESIGN.md, each id once") {
  std::set<std::string> registered;
  for (const auto& probe : registered_probes()) {
    CHECK(registered.insert(probe.info.id).second);
    CHECK_FALSE(probe.info.title.empty());
    CHECK_FALSE(probe.info.platforms.empty());
    CHECK(probe.info.timeout.count() > 0);
  }
  CHECK(registered == std::set<std::string>(kCatalogIds.begin(), kCatalogIds.end()));
}

TEST_CASE("every probe returns a well-formed result on an empty platform") {
  for (const bool quick : {true, false}) {
    for (const auto& probe : registered_probes()) {
      DYNAMIC_SECTION(probe.info.id << (quick ? " quick" : " full")) {
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
  for (const auto& probe : registered_probes()) {
    DYNAMIC_SECTION(probe.info.id) {
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
