// The impact of each modelled environment's report (tests/fixtures/impact/): which tests are
// predicted, on what basis, and which are unknown.
#include <catch2/catch.hpp>

#include "impact/catalog.hpp"
#include "tests/unit/impact/impact_test_support.hpp"

namespace {

using namespace capprobe;
using namespace capprobe::impact::testing;

impact::Impact impact_of(const std::string& fixture, const std::string& version = "1.30") {
  return impact::predict(fixture_report(fixture), *impact::mapping_for(version));
}

impact::Impact impact_of(const agent::Report& report, const std::string& version = "1.30") {
  return impact::predict(report, *impact::mapping_for(version));
}

probes::CapabilityResult& result_of(agent::Report& report, const std::string& id) {
  for (auto& result : report.results)
    if (result.id == id) return result;
  throw std::runtime_error("no " + id);
}

const std::string kNodePodHttp =
    "[sig-network] Networking Granular Checks: Pods should function for node-pod communication: "
    "http [LinuxOnly] [NodeConformance] [Conformance]";
const std::string kSubpathConfigMap =
    "[sig-storage] Subpath Atomic writer volumes should support subpaths with configmap pod "
    "[Conformance]";
const std::string kNodePortService =
    "[sig-network] Services should be able to create a functioning NodePort service [Conformance]";
const std::string kHostPort =
    "[sig-network] HostPort validates that there is no conflict between pods with same hostPort "
    "but different hostIP and protocol [LinuxOnly] [Conformance]";
const std::string kHostPathRw = "[sig-storage] HostPath should support r/w [NodeConformance]";
const std::string kHostPidSelinux =
    "[sig-node] Security Context should support volume SELinux relabeling when using hostPID "
    "[Flaky] [LinuxOnly]";
const std::string kRunAsUserName =
    "[sig-windows] [Feature:Windows] SecurityContext should be able create pods and run "
    "containers with a given username";
const std::string kWindowsDns =
    "[sig-windows] [Feature:Windows] DNS should support configurable pod DNS servers";
const std::string kHostProcessOnHost =
    "[sig-windows] [Feature:WindowsHostProcessContainers] [MinimumKubeletVersion:1.22] "
    "HostProcess containers should run as a process on the host/node";
const std::string kSeccompDefault =
    "[sig-node] Security Context should support seccomp runtime/default [LinuxOnly]";
const std::string kAppArmorContainer =
    "[sig-node] AppArmor load AppArmor profiles should enforce an AppArmor profile specified on "
    "the container";

}  // namespace

TEST_CASE("runc node: everything works, nothing is predicted or unknown", "[impact]") {
  const auto impact = impact_of("runc-node");
  CHECK(impact.k8s_version == "1.30");
  CHECK(impact.tests.empty());
  CHECK(impact.unknown.empty());
  CHECK(impact.skip_regex.empty());
}

TEST_CASE("runc pod with ignored host namespaces: the hostNetwork and hostPID tests, measured",
          "[impact]") {
  const auto impact = impact_of("runc-pod-ignored");
  const auto* http = find_test(impact, kNodePodHttp);
  REQUIRE(http != nullptr);
  CHECK(http->basis == "measured");
  CHECK(http->capability == "host.network");
  CHECK(http->reason.find("REQUESTED BUT IGNORED: hostNetwork") != std::string::npos);
  CHECK(http->tags ==
        std::vector<std::string>{"sig-network", "LinuxOnly", "NodeConformance", "Conformance"});
  REQUIRE(find_test(impact, kHostPidSelinux) != nullptr);
  CHECK(find_test(impact, kHostPidSelinux)->capability == "host.pid");
  CHECK(impact.tests.size() == 7);
  // Not asked, so not shown: the subPath and hostPort tests are unknown, never predicted.
  CHECK(unknown_names(impact).count(kSubpathConfigMap) == 1);
  CHECK(unknown_names(impact).count(kHostPort) == 1);
  CHECK(find_test(impact, kNodePortService) == nullptr);
  CHECK(unknown_names(impact).count(kNodePortService) == 0);  // runc: no documented limit
  CHECK(impact.unknown.size() == 21);
}

TEST_CASE("Kata guest: subPath and hostNetwork tests, documented by Kata's limitations",
          "[impact]") {
  const auto impact = impact_of("kata-guest");
  const auto* subpath = find_test(impact, kSubpathConfigMap);
  REQUIRE(subpath != nullptr);
  CHECK(subpath->basis == "documented");
  CHECK(subpath->capability == "fs.subpath");
  CHECK(subpath->reason.find("kata-containers/kata-containers docs/Limitations.md") !=
        std::string::npos);
  REQUIRE(find_test(impact, kNodePodHttp) != nullptr);
  CHECK(find_test(impact, kNodePodHttp)->basis == "documented");
  CHECK(impact.tests.size() == 14);
  CHECK(impact.unknown.size() == 13);
  CHECK(find_test(impact, kNodePortService) == nullptr);
}

TEST_CASE("Kata guest whose subPath mount works: the measurement beats the document", "[impact]") {
  auto report = fixture_report("kata-guest");
  auto& subpath = result_of(report, "fs.subpath");
  subpath.status = probes::Status::supported;
  subpath.summary = "a file written through the subPath mount /data appears where it should";
  const auto impact = impact_of(report);
  CHECK(find_test(impact, kSubpathConfigMap) == nullptr);
  CHECK(unknown_names(impact).count(kSubpathConfigMap) == 0);
  CHECK(find_test(impact, kNodePodHttp) != nullptr);
}

TEST_CASE("vSphere Pod: hostNetwork and hostPath measured, NodePort and hostPort documented",
          "[impact]") {
  const auto impact = impact_of("vsphere-pod");
  REQUIRE(find_test(impact, kNodePodHttp) != nullptr);
  CHECK(find_test(impact, kNodePodHttp)->basis == "measured");
  REQUIRE(find_test(impact, kHostPathRw) != nullptr);
  CHECK(find_test(impact, kHostPathRw)->basis == "measured");
  const auto* node_port = find_test(impact, kNodePortService);
  REQUIRE(node_port != nullptr);
  CHECK(node_port->basis == "documented");
  CHECK(node_port->reason.find("vsphere-supervisor-for-kubernetes-conformance") !=
        std::string::npos);
  REQUIRE(find_test(impact, kHostPort) != nullptr);
  CHECK(find_test(impact, kHostPort)->basis == "documented");
  // subPath works in this pod: neither predicted nor unknown.
  CHECK(find_test(impact, kSubpathConfigMap) == nullptr);
  CHECK(unknown_names(impact).count(kSubpathConfigMap) == 0);
  CHECK(impact.tests.size() == 14);
  CHECK(impact.unknown.size() == 16);
}

TEST_CASE("Windows process-isolated: runAsUserName and DNS measured, HostProcess unknown",
          "[impact]") {
  const auto impact = impact_of("windows-process");
  REQUIRE(find_test(impact, kRunAsUserName) != nullptr);
  CHECK(find_test(impact, kRunAsUserName)->capability == "security.identity");
  REQUIRE(find_test(impact, kWindowsDns) != nullptr);
  CHECK(find_test(impact, kWindowsDns)->basis == "measured");
  CHECK(impact.tests.size() == 3);
  CHECK(unknown_names(impact).count(kHostProcessOnHost) == 1);
  // Linux-only rules say nothing about a Windows report.
  CHECK(unknown_names(impact).count(kHostPidSelinux) == 0);
  CHECK(unknown_names(impact).count(kSeccompDefault) == 0);
  CHECK(unknown_names(impact).count(kHostPort) == 0);
  CHECK(unknown_names(impact).count(kSubpathConfigMap) == 1);
  CHECK(impact.unknown.size() == 11);
}

TEST_CASE("HostProcess on the node's network: nothing predicted", "[impact]") {
  const auto impact = impact_of("windows-hostprocess");
  CHECK(impact.tests.empty());
  CHECK(unknown_names(impact).count(kHostProcessOnHost) == 0);
  CHECK(impact.unknown.size() == 11);
}

TEST_CASE("a HostProcess container off the node's network fails the HostProcess tests",
          "[impact]") {
  auto report = fixture_report("windows-hostprocess");
  auto& network = result_of(report, "host.network");
  network.status = probes::Status::unsupported;
  network.observed = "isolated";
  network.summary = "REQUESTED BUT IGNORED: hostNetwork: the node's IP is not on this process";
  const auto impact = impact_of(report);
  REQUIRE(find_test(impact, kHostProcessOnHost) != nullptr);
  CHECK(find_test(impact, kHostProcessOnHost)->basis == "measured");
  // 1.21 has no HostProcess tests to predict.
  CHECK(impact_of(report, "1.21").tests.empty());
}

TEST_CASE("an ignored seccompProfile predicts the seccomp tests, not the AppArmor ones",
          "[impact]") {
  auto report = fixture_report("runc-pod-ignored");
  auto& confinement = result_of(report, "security.confinement");
  confinement.status = probes::Status::unsupported;
  confinement.requested = true;
  confinement.evidence["requested_confinement"] =
      nlohmann::json::array({{{"field", "seccompProfile RuntimeDefault"}, {"in_effect", false}},
                             {{"field", "appArmorProfile RuntimeDefault"}, {"in_effect", true}}});
  const auto impact = impact_of(report);
  CHECK(find_test(impact, kSeccompDefault) != nullptr);
  CHECK(find_test(impact, kAppArmorContainer) == nullptr);
  CHECK(unknown_names(impact).count(kAppArmorContainer) == 0);
}

TEST_CASE("a report without isolation.kernel leaves the documented tests unknown", "[impact]") {
  auto report = fixture_report("vsphere-pod");
  std::erase_if(report.results, [](const auto& r) { return r.id == "isolation.kernel"; });
  const auto impact = impact_of(report);
  CHECK(find_test(impact, kNodePortService) == nullptr);
  CHECK(unknown_names(impact).count(kNodePortService) == 1);
  // What was measured still stands.
  CHECK(find_test(impact, kNodePodHttp) != nullptr);
}

TEST_CASE("a capability missing from the report leaves its tests unknown, never failing",
          "[impact]") {
  auto report = fixture_report("runc-node");
  std::erase_if(report.results, [](const auto& r) { return r.id == "fs.subpath"; });
  const auto impact = impact_of(report);
  CHECK(impact.tests.empty());
  CHECK(unknown_names(impact).count(kSubpathConfigMap) == 1);
  for (const auto& test : impact.unknown)
    if (test.name == kSubpathConfigMap) CHECK(test.reason == "fs.subpath is not in this report");
}

TEST_CASE("Kubernetes 1.21 uses 1.21's names", "[impact]") {
  const auto impact = impact_of("kata-guest", "1.21");
  CHECK(impact.k8s_version == "1.21");
  CHECK(find_test(impact,
                  "[sig-storage] Subpath Atomic writer volumes should support subpaths with "
                  "configmap pod [LinuxOnly] [Conformance]") != nullptr);
  CHECK(find_test(impact, kSubpathConfigMap) == nullptr);
}

TEST_CASE("the impact's JSON has the contract's fields", "[impact]") {
  const auto json = impact::to_json(impact_of("vsphere-pod"));
  CHECK(json.at("k8s_version") == "1.30");
  CHECK(json.at("skip_regex").is_string());
  CHECK(json.at("unknown").is_array());
  const auto& first = json.at("tests").at(0);
  for (const auto* key : {"name", "tags", "capability", "basis", "reason"})
    CHECK(first.contains(key));
  CHECK(first.at("basis") == "measured");
}
