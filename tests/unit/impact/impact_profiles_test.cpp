// Profile verdicts over the modelled environments' reports.
#include <catch2/catch.hpp>

#include "impact/catalog.hpp"
#include "tests/unit/impact/impact_test_support.hpp"

namespace {

using namespace capprobe;
using namespace capprobe::impact::testing;

impact::ProfileVerdict judge(const std::string& fixture, const std::string& profile) {
  const auto* chosen = impact::profile_named(profile);
  REQUIRE(chosen != nullptr);
  return impact::judge(fixture_report(fixture), *chosen);
}

const impact::RequirementVerdict& requirement(const impact::ProfileVerdict& verdict,
                                              const std::string& id) {
  for (const auto& one : verdict.requirements)
    if (one.requirement->id == id) return one;
  throw std::runtime_error("no requirement " + id);
}

}  // namespace

TEST_CASE("the five profiles of issue 11 are there, each with sources", "[impact][profiles]") {
  CHECK(impact::profile_names() ==
        "windows-core, windows-hostprocess, vsphere-pod, kata, linux-node");
  for (const auto& profile : impact::all_profiles())
    for (const auto& one : profile.requirements) {
      INFO(profile.name << "/" << one.id);
      CHECK_FALSE(one.source.empty());
      CHECK((one.cluster_level || !one.capability.empty()));
    }
}

TEST_CASE("linux-node on a runc node: all it can check passes, the rest needs the cluster",
          "[impact][profiles]") {
  const auto verdict = judge("runc-node", "linux-node");
  CHECK(requirement(verdict, "host-network").verdict == "pass");
  CHECK(requirement(verdict, "subpath").verdict == "pass");
  CHECK(requirement(verdict, "shared-kernel").verdict == "pass");
  const auto& reboot = requirement(verdict, "reboot-recovery");
  CHECK(reboot.verdict == "untested");
  CHECK(reboot.reason == "needs the cluster-level suite");
  CHECK(requirement(verdict, "network-policy").verdict == "untested");
  // Never a pass while something is untested.
  CHECK(verdict.verdict == "untested");
}

TEST_CASE("linux-node on the pod whose host namespaces were ignored fails", "[impact][profiles]") {
  const auto verdict = judge("runc-pod-ignored", "linux-node");
  CHECK(requirement(verdict, "host-network").verdict == "fail");
  CHECK(requirement(verdict, "host-pid").verdict == "fail");
  CHECK(requirement(verdict, "subpath").verdict == "untested");
  CHECK(verdict.verdict == "fail");
}

TEST_CASE("kata on a Kata guest, linux-node on it fails the shared kernel", "[impact][profiles]") {
  const auto kata = judge("kata-guest", "kata");
  CHECK(requirement(kata, "vm-guest").verdict == "pass");
  CHECK(requirement(kata, "cpu-limit").verdict == "pass");
  CHECK(requirement(kata, "readonly-root").verdict == "pass");
  CHECK(requirement(kata, "network-policy").verdict == "untested");
  CHECK(kata.verdict == "untested");
  CHECK(requirement(judge("kata-guest", "linux-node"), "shared-kernel").verdict == "fail");
}

TEST_CASE("vsphere-pod on a CRX guest", "[impact][profiles]") {
  const auto verdict = judge("vsphere-pod", "vsphere-pod");
  CHECK(requirement(verdict, "vm-guest").verdict == "pass");
  CHECK(requirement(verdict, "memory-limit").verdict == "pass");
  CHECK(requirement(verdict, "cluster-ip").verdict == "untested");
  CHECK(verdict.verdict == "untested");
}

TEST_CASE("windows-core on a process-isolated container: DNS fails, limits pass",
          "[impact][profiles]") {
  const auto verdict = judge("windows-process", "windows-core");
  CHECK(requirement(verdict, "windows-node").verdict == "pass");
  CHECK(requirement(verdict, "cpu-limit").verdict == "pass");
  CHECK(requirement(verdict, "memory-limit").verdict == "pass");
  CHECK(requirement(verdict, "host-path-read-write").verdict == "pass");
  const auto& dns = requirement(verdict, "dns");
  CHECK(dns.verdict == "fail");
  CHECK(dns.reason.find("kubernetes.default.svc did not resolve") != std::string::npos);
  // Partial symlinks: not shown broken for the kubelet's files, not shown working either.
  CHECK(requirement(verdict, "symlinked-files").verdict == "untested");
  CHECK(requirement(verdict, "pod-churn").verdict == "untested");
  CHECK(verdict.verdict == "fail");
}

TEST_CASE("windows-core on a Linux node fails the Windows node requirement", "[impact][profiles]") {
  CHECK(requirement(judge("runc-node", "windows-core"), "windows-node").verdict == "fail");
}

TEST_CASE("windows-hostprocess on a HostProcess container", "[impact][profiles]") {
  const auto verdict = judge("windows-hostprocess", "windows-hostprocess");
  CHECK(requirement(verdict, "node-ip").verdict == "pass");
  CHECK(requirement(verdict, "service-account").verdict == "pass");
  CHECK(requirement(verdict, "privileged-api").verdict == "pass");
  CHECK(requirement(verdict, "hcn-rules").verdict == "untested");
  CHECK(requirement(verdict, "hcn-rules").reason == "needs the cluster-level suite");
  CHECK(verdict.verdict == "untested");
  // A process-isolated container is not on the node's network.
  CHECK(requirement(judge("windows-process", "windows-hostprocess"), "node-ip").verdict ==
        "untested");
}

TEST_CASE("a profile's JSON carries the verdicts and counts", "[impact][profiles]") {
  const auto json = impact::to_json(judge("windows-process", "windows-core"));
  CHECK(json.at("name") == "windows-core");
  CHECK(json.at("verdict") == "fail");
  CHECK(json.at("counts").at("fail") == 1);
  CHECK(json.at("requirements").size() == 13);
}
