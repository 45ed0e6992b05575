// GET /api/v1/impact and GET /impact on a real collector: per group, the e2e tests the subjects'
// latest reports predict to fail, and the profile verdicts.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include "support/collector_process.hpp"
#include "support/http_client.hpp"

using namespace capprobe::collector::testing;
using nlohmann::json;

namespace {

// A modelled environment's report (tests/fixtures/impact/), with a fresh start time so that the
// collector does not count it as stale.
std::string fixture(const std::string& name) {
  std::ifstream in(std::string(CAPPROBE_FIXTURES) + "/impact/" + name + ".json");
  std::stringstream text;
  text << in.rdbuf();
  auto report = json::parse(text.str());
  const auto now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  report["started_at"] = stamp;
  return report.dump();
}

const json* group_named(const json& impact, const std::string& key) {
  for (const auto& group : impact.at("groups"))
    if (group.at("key") == key) return &group;
  return nullptr;
}

}  // namespace

TEST_CASE("the collector's impact: per group, predicted tests and profile verdicts", "[impact]") {
  TempDir dir;
  CollectorProcess collector(dir.path() + "/c.db", {"--public-read"});
  const auto port = collector.port();
  for (const auto* name : {"vsphere-pod", "runc-pod-ignored", "windows-process"})
    REQUIRE(http_request(port, "POST", "/api/v1/reports", fixture(name), {}).status == 202);

  const auto reply = http_get(port, "/api/v1/impact");
  INFO(reply.status << " " << reply.body.substr(0, 400) << reply.error);
  REQUIRE(reply.status == 200);
  const auto impact = json::parse(reply.body);
  CHECK(impact.at("k8s_version") == "1.30");
  CHECK(impact.at("groups").size() == 3);

  const auto* vsphere = group_named(impact, "linux/vm_guest/-");
  REQUIRE(vsphere != nullptr);
  CHECK(vsphere->at("subjects") == 1);
  CHECK(vsphere->at("tests").size() == 14);
  bool node_port = false;
  for (const auto& test : vsphere->at("tests"))
    if (test.at("name") ==
        "[sig-network] Services should be able to create a functioning NodePort service "
        "[Conformance]") {
      node_port = true;
      CHECK(test.at("basis") == "documented");
      CHECK(test.at("subjects") == 1);
    }
  CHECK(node_port);
  CHECK_FALSE(vsphere->at("skip_regex").get<std::string>().empty());

  const auto* windows = group_named(impact, "windows/windows_process/-");
  REQUIRE(windows != nullptr);
  CHECK(windows->at("tests").size() == 3);
  for (const auto& profile : windows->at("profiles"))
    if (profile.at("name") == "windows-core") CHECK(profile.at("fail") == 1);

  const auto* runc = group_named(impact, "linux/container/-");
  REQUIRE(runc != nullptr);
  CHECK(runc->at("tests").size() == 7);

  const auto old = json::parse(http_get(port, "/api/v1/impact?k8s_version=1.21").body);
  CHECK(old.at("k8s_version") == "1.21");
  CHECK(http_get(port, "/api/v1/impact?k8s_version=1.99").status == 400);

  const auto page = http_get(port, "/impact");
  REQUIRE(page.status == 200);
  CHECK(page.content_type == "text/html; charset=utf-8");
  CHECK(page.body.find("conformance impact, Kubernetes 1.30") != std::string::npos);
  CHECK(page.body.find("[sig-network] Services should be able to create a functioning NodePort "
                       "service [Conformance]") != std::string::npos);
  CHECK(http_get(port, "/").body.find("href=\"/impact\"") != std::string::npos);
}
