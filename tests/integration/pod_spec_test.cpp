// --pod-spec: what the pod asked for against what the sandbox gives. A spec asking for hostPID
// and a read-only root, run where neither holds, must come out as "requested but ignored".
#include <catch2/catch.hpp>

#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "tests/integration/support/report.hpp"
#include "tests/integration/support/run.hpp"
#include "tests/integration/support/sandbox.hpp"

namespace {

using namespace capprobe::it;
namespace fs = std::filesystem;

// A Pod as kubectl would hand it over; hostNetwork is left out (Kubernetes default: false).
nlohmann::json pod_asking_for_host_pid_and_readonly_root() {
  return {{"apiVersion", "v1"},
          {"kind", "Pod"},
          {"metadata", {{"name", "capprobe-it"}, {"namespace", "default"}}},
          {"spec",
           {{"hostPID", true},
            {"containers",
             {{{"name", "probe"},
               {"image", "capprobe:it"},
               {"securityContext", {{"readOnlyRootFilesystem", true}}}}}}}}};
}

bool starts_with(const nlohmann::json& text, const std::string& prefix) {
  return text.is_string() && text.get<std::string>().rfind(prefix, 0) == 0;
}

}  // namespace

TEST_CASE("pod spec: hostPID and readOnlyRootFilesystem requested but not given", "[pod_spec]") {
  CAPPROBE_IT_NEEDS(Facility::root, Facility::unshare);
  REQUIRE(!root_not_writable());  // the sandbox must really give a writable root
  TempDir dir("podspec");
  const auto spec =
      dir.write_file("pod.json", pod_asking_for_host_pid_and_readonly_root().dump(2),
                     fs::perms::owner_read | fs::perms::group_read | fs::perms::others_read);

  // Own PID namespace (hostPID not honoured), writable / (readOnlyRootFilesystem not honoured).
  const auto run = capprobe::it::run(
      {"unshare", "--pid", "--fork", "--mount-proc", capprobe_path(), "probe", "--json",
       "--pod-spec", spec.string(), "--only", "host.pid,fs.readonly_root,host.network"},
      kQuickRunTimeout);
  INFO(describe(run));
  REQUIRE(run.exited_zero());
  const auto report = parse_report(run);

  for (const char* id : {"host.pid", "fs.readonly_root"}) {
    const auto& result = result_of(report, id);
    INFO(brief(result));
    CHECK(result["status"] == "unsupported");
    CHECK(result["requested"] == true);
    CHECK(starts_with(result["summary"], "REQUESTED BUT IGNORED"));
  }
  CHECK(result_of(report, "host.pid")["observed"] == "isolated");
  CHECK(result_of(report, "fs.readonly_root")["observed"] == "writable");

  // Left out of the spec = the Kubernetes default, which is a request for false.
  const auto& network = result_of(report, "host.network");
  INFO(brief(network));
  CHECK(network["requested"] == false);
  CHECK(!starts_with(network["summary"], "REQUESTED BUT IGNORED"));

  // The pod name from the spec's metadata reaches the envelope.
  CHECK(report["subject"].value("pod", nlohmann::json()) == "default/capprobe-it");
}

TEST_CASE("pod spec: an unreadable or invalid --pod-spec file is a usage error",
          "[pod_spec][cli]") {
  TempDir dir("badspec");
  const auto invalid = dir.write_file("pod.json", "{\"spec\": [1, 2",
                                      fs::perms::owner_read | fs::perms::others_read);
  for (const auto& path : {invalid.string(), (dir.path() / "absent.json").string()}) {
    const auto run = capprobe::it::run(
        {capprobe_path(), "probe", "--json", "--pod-spec", path, "--only", "host.pid"},
        kQuickRunTimeout);
    INFO(describe(run));
    CHECK(run.exit_code == 2);
    CHECK(run.err.find(path.substr(path.rfind('/') + 1)) != std::string::npos);
  }
}

TEST_CASE("pod spec: limits of zero are no limits, so none is requested but ignored",
          "[pod_spec]") {
  TempDir dir("zerolimits");
  const nlohmann::json pod = {
      {"kind", "Pod"},
      {"metadata", {{"name", "zero"}}},
      {"spec",
       {{"containers",
         {{{"name", "c"},
           {"resources",
            {{"limits", {{"cpu", "0"}, {"memory", "0"}}}, {"requests", {{"cpu", "0m"}}}}}}}}}}};
  const auto spec =
      dir.write_file("pod.json", pod.dump(2), fs::perms::owner_read | fs::perms::others_read);
  // Not --quick: the burn (about a second) is what found "no limit" ignored before. No memory
  // test runs, as no limit is known.
  const auto run = capprobe::it::run({capprobe_path(), "probe", "--json", "--pod-spec",
                                      spec.string(), "--only",
                                      "resources.cpu_limit,resources.memory_limit"},
                                     kQuickRunTimeout);
  INFO(describe(run));
  REQUIRE(run.exited_zero());
  const auto report = parse_report(run);
  for (const char* id : {"resources.cpu_limit", "resources.memory_limit"}) {
    const auto& result = result_of(report, id);
    INFO(brief(result));
    CHECK(result["requested"] == false);
    CHECK(result["status"] != "unsupported");
    CHECK(!starts_with(result["summary"], "REQUESTED BUT IGNORED"));
    CHECK(result["evidence"].value("requested_limit_cpus", nlohmann::json()).is_null());
    CHECK(result["evidence"].value("requested_limit_bytes", nlohmann::json()).is_null());
  }
}
