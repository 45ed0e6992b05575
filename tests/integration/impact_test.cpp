// `capprobe probe --impact` and `capprobe impact` as a user runs them: exit codes, formats, and
// a hostNetwork request that real namespaces ignore turning into predicted e2e tests.
#include <catch2/catch.hpp>

#include <filesystem>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "tests/integration/support/run.hpp"
#include "tests/integration/support/sandbox.hpp"

namespace {

using namespace capprobe::it;

const std::string kNodePodHttp =
    "[sig-network] Networking Granular Checks: Pods should function for node-pod communication: "
    "http [LinuxOnly] [NodeConformance] [Conformance]";

std::set<std::string> names(const nlohmann::json& tests) {
  std::set<std::string> found;
  for (const auto& test : tests) found.insert(test.at("name").get<std::string>());
  return found;
}

const std::string kHostNetworkPod = R"({"apiVersion": "v1", "kind": "Pod",
  "metadata": {"name": "impact-it", "namespace": "default"},
  "spec": {"hostNetwork": true, "containers": [{"name": "probe", "image": "capprobe"}]}})";

}  // namespace

TEST_CASE("probe --impact --json: the report carries its impact, exit 0", "[impact]") {
  const auto run = capprobe::it::run(
      {capprobe_path(), "probe", "--quick", "--no-pod-lookup", "--impact", "--json"},
      kQuickRunTimeout);
  INFO(describe(run));
  REQUIRE(run.exited_zero());
  const auto report = nlohmann::json::parse(run.out);
  CHECK(report.at("schema") == "capprobe.report/v1");
  const auto& impact = report.at("impact");
  CHECK(impact.at("k8s_version") == "1.30");
  CHECK(impact.at("tests").is_array());
  CHECK(impact.at("unknown").is_array());
  CHECK(impact.at("skip_regex").is_string());
}

TEST_CASE("probe --impact in namespaces that ignore hostNetwork predicts the node-pod tests",
          "[impact]") {
  CAPPROBE_IT_NEEDS(Facility::root, Facility::unshare);
  TempDir dir("impact");
  const auto pod = dir.write_file("pod.json", kHostNetworkPod, std::filesystem::perms::owner_all);
  const auto run =
      capprobe::it::run({"unshare", "--net", capprobe_path(), "probe", "--quick", "--pod-spec",
                         pod.string(), "--impact", "--k8s-version", "1.21", "--format", "json"},
                        kQuickRunTimeout);
  INFO(describe(run));
  REQUIRE(run.exited_zero());
  const auto impact = nlohmann::json::parse(run.out).at("impact");
  CHECK(impact.at("k8s_version") == "1.21");
  bool found = false;
  for (const auto& test : impact.at("tests"))
    if (test.at("name") == kNodePodHttp) {
      found = true;
      CHECK(test.at("basis") == "measured");
      CHECK(test.at("capability") == "host.network");
      CHECK(test.at("reason").get<std::string>().find("REQUESTED BUT IGNORED") !=
            std::string::npos);
    }
  CHECK(found);
  CHECK(
      impact.at("skip_regex")
          .get<std::string>()
          .find(
              R"(\[sig-network\] Networking Granular Checks: Pods should function for node-pod)") !=
      std::string::npos);
}

TEST_CASE("capprobe impact on a saved report says what probe --impact said", "[impact]") {
  CAPPROBE_IT_NEEDS(Facility::root, Facility::unshare);
  TempDir dir("impact-saved");
  const auto pod = dir.write_file("pod.json", kHostNetworkPod, std::filesystem::perms::owner_all);
  const auto report = (dir.path() / "report.json").string();
  const auto probe = capprobe::it::run({"unshare", "--net", capprobe_path(), "probe", "--quick",
                                        "--pod-spec", pod.string(), "--json", "-o", report},
                                       kQuickRunTimeout);
  INFO(describe(probe));
  REQUIRE(probe.exited_zero());
  const auto json =
      capprobe::it::run({capprobe_path(), "impact", "--format", "json", report}, kQuickRunTimeout);
  INFO(describe(json));
  REQUIRE(json.exited_zero());
  CHECK(names(nlohmann::json::parse(json.out).at("tests")).count(kNodePodHttp) == 1);

  const auto table = capprobe::it::run(
      {capprobe_path(), "impact", "--profile", "linux-node", report}, kQuickRunTimeout);
  REQUIRE(table.exited_zero());
  CHECK(table.out.find("host.network, measured: ") != std::string::npos);
  CHECK(table.out.find("PROFILE linux-node: fail") != std::string::npos);

  const auto junit =
      capprobe::it::run({capprobe_path(), "impact", "--format", "junit", report}, kQuickRunTimeout);
  REQUIRE(junit.exited_zero());
  CHECK(junit.out.find("<testsuites name=\"capprobe impact\"") != std::string::npos);
}

TEST_CASE("capprobe impact exit codes: 2 for usage and unreadable reports", "[impact]") {
  const auto missing = capprobe::it::run(
      {capprobe_path(), "impact", "/nonexistent/capprobe-report.json"}, kQuickRunTimeout);
  CHECK(missing.exit_code == 2);
  CHECK(missing.out.empty());
  const auto version =
      capprobe::it::run({capprobe_path(), "impact", "--k8s-version", "1.5", "-"}, kQuickRunTimeout);
  CHECK(version.exit_code == 2);
  CHECK(version.err.find("unknown Kubernetes version '1.5'") != std::string::npos);
  // stdin is /dev/null here: empty, not a report.
  const auto empty = capprobe::it::run({capprobe_path(), "impact", "-"}, kQuickRunTimeout);
  CHECK(empty.exit_code == 2);
  CHECK(empty.err.find("stdin is not a capprobe report") != std::string::npos);
  const auto format = capprobe::it::run(
      {capprobe_path(), "probe", "--impact", "--format", "sonobuoy"}, kQuickRunTimeout);
  CHECK(format.exit_code == 2);
  const auto help = capprobe::it::run({capprobe_path(), "impact", "--help"}, kQuickRunTimeout);
  CHECK(help.exited_zero());
  CHECK(help.out.find("Kubernetes versions mapped: 1.21, 1.30.") != std::string::npos);
}
