// What the agent tells its round child, there and back, and how long a round may take.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <filesystem>
#include <sstream>

#include <nlohmann/json.hpp>

#include "agent/daemon/round_child.hpp"
#include "platform/fake/fake_platform.hpp"
#include "temp_dir.hpp"

using namespace capprobe::agent::daemon;

namespace {

// The PodGet of a round that must not look its pod up (no pod in its world).
capprobe::agent::PodGetAnswer no_lookup(const capprobe::agent::PodLookupPlan& plan) {
  FAIL("an own-pod GET was attempted: " << plan.url);
  return {};
}

}  // namespace

TEST_CASE("a round request carries the selection, the pod spec and the NFD file there and back") {
  RoundRequest full;
  full.selection.only = {"fs.symlink", "resources.cpu_limit"};
  full.selection.skip = {"resources.memory_limit"};
  full.selection.quick = true;
  full.pod_spec = R"({"kind":"Pod","spec":{"hostPID":true}})"
                  "\n\t\"unicode\": \xc3\xa9";
  full.nfd_file = "/etc/kubernetes/node-feature-discovery/features.d/capprobe";
  full.nfd_lifetime = std::chrono::seconds(1800);
  full.pod_spec_name = "/etc/capprobe/pod.json";
  full.container = "probe";
  full.pod_lookup.enabled = false;
  full.pod_lookup.service_account_dir = "/run/sa";
  RoundRequest bare;
  for (const auto& request : {full, bare}) {
    std::string why;
    const auto back = parse_round_request(round_request_json(request), why);
    REQUIRE(back);
    REQUIRE(why.empty());
    REQUIRE(back->selection.only == request.selection.only);
    REQUIRE(back->selection.skip == request.selection.skip);
    REQUIRE(back->selection.quick == request.selection.quick);
    REQUIRE(back->pod_spec == request.pod_spec);
    REQUIRE(back->nfd_file == request.nfd_file);
    REQUIRE(back->nfd_lifetime == request.nfd_lifetime);
    REQUIRE(back->pod_spec_name == request.pod_spec_name);
    REQUIRE(back->container == request.container);
    REQUIRE(back->pod_lookup.enabled == request.pod_lookup.enabled);
    REQUIRE(back->pod_lookup.service_account_dir == request.pod_lookup.service_account_dir);
  }
}

TEST_CASE("anything else is not a round request, and says why") {
  for (const char* text : {"", "{}", R"({"only":[],"skip":[],"quick":"yes","pod_spec":null})",
                           R"({"only":[1],"skip":[],"quick":false,"pod_spec":null})"}) {
    INFO(text);
    std::string why;
    REQUIRE_FALSE(parse_round_request(text, why));
    REQUIRE(why.rfind("not a round request", 0) == 0);
  }
}

TEST_CASE("a round may take every probe's deadline plus a margin") {
  using namespace std::chrono;
  std::vector<capprobe::probes::Probe> catalog(3);
  catalog[0].info.timeout = milliseconds(2000);
  catalog[1].info.timeout = milliseconds(5000);
  catalog[2].info.timeout = milliseconds(10000);
  REQUIRE(round_deadline(catalog) == milliseconds(17000 + 30000));
  REQUIRE(round_deadline({}) == milliseconds(30000));
}

TEST_CASE("the round child prints the report, then writes the NFD file under its own temp name") {
  capprobe::test::TempDir temp;
  capprobe::platform::FakePlatform os;  // the probes' world; the NFD file is a real file
  std::vector<capprobe::probes::Probe> catalog(1);
  catalog[0].info.id = "fs.symlink";
  catalog[0].run = [](capprobe::probes::ProbeContext&) {
    capprobe::probes::CapabilityResult result;
    result.id = "fs.symlink";
    result.status = capprobe::probes::Status::supported;
    result.observed = "ok";
    return result;
  };
  RoundRequest request;
  request.nfd_file = temp / "capprobe.features";
  request.nfd_lifetime = std::chrono::seconds(1800);
  std::istringstream in(round_request_json(request));
  std::ostringstream out;
  REQUIRE(run_round_child(os, catalog, in, out, no_lookup) == 0);
  CHECK(out.str().find("\"fs.symlink\"") != std::string::npos);
  const auto nfd = capprobe::test::slurp(temp.path() / "capprobe.features");
  CHECK(nfd.find("capprobe.io/fs.symlink=supported") != std::string::npos);
  CHECK(nfd.rfind("# +expiry-time=", 0) == 0);  // the fake's wall clock + 30 min
  struct stat info {};
  REQUIRE(::stat((temp / "capprobe.features").c_str(), &info) == 0);
  CHECK((info.st_mode & 0777) == 0644);  // nfd-worker may read it as another user
  // Only the feature file: the temp file was renamed into place.
  CHECK(std::distance(std::filesystem::directory_iterator(temp.path()),
                      std::filesystem::directory_iterator()) == 1);
}

TEST_CASE("without a pod spec, the round child looks its pod up each round") {
  capprobe::platform::FakePlatform os;
  os.environment = {{"KUBERNETES_SERVICE_HOST", "10.96.0.1"},
                    {"KUBERNETES_SERVICE_PORT", "443"},
                    {"POD_NAME", "p"},
                    {"POD_NAMESPACE", "ns"}};
  os.file("/run/sa/token", "t").file("/run/sa/ca.crt", "c");
  std::vector<capprobe::probes::Probe> catalog(1);
  catalog[0].info.id = "host.pid";
  catalog[0].run = [](capprobe::probes::ProbeContext& ctx) {
    capprobe::probes::CapabilityResult result;
    result.id = "host.pid";
    result.status = capprobe::probes::Status::supported;
    result.requested = ctx.requests.host_pid;
    return result;
  };
  std::vector<std::string> asked;
  const capprobe::agent::PodGet api = [&](const capprobe::agent::PodLookupPlan& plan) {
    asked.push_back(plan.token_file);
    return capprobe::agent::PodGetAnswer{
        capprobe::agent::PodGetResult::ok, 200, 1, "",
        R"({"kind":"Pod","spec":{"hostPID":true,"containers":[{"name":"c"}]}})"};
  };
  RoundRequest request;
  request.pod_lookup.service_account_dir = "/run/sa";
  for (int round = 0; round < 2; ++round) {
    std::istringstream in(round_request_json(request));
    std::ostringstream out;
    REQUIRE(run_round_child(os, catalog, in, out, api) == 0);
    const auto report = nlohmann::json::parse(out.str());
    CHECK(report["pod_spec"]["source"] == "api");
    CHECK(report["pod_spec"]["detail"] == "GET ns/p; container c, the pod's only one");
    CHECK(report["results"][0]["requested"] == true);
  }
  CHECK(asked == std::vector<std::string>{"/run/sa/token", "/run/sa/token"});

  // --no-pod-lookup reaches the child: no GET.
  request.pod_lookup.enabled = false;
  std::istringstream in(round_request_json(request));
  std::ostringstream out;
  REQUIRE(run_round_child(os, catalog, in, out, no_lookup) == 0);
  CHECK(nlohmann::json::parse(out.str())["pod_spec"]["source"] == "none");
}
