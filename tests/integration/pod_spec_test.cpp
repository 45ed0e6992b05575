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

namespace {

// Two containers: "app" asks for nothing, "probe" drops a capability and sets limits. No probe
// used with it writes anything: these runs need no sandbox.
nlohmann::json pod_with_two_containers() {
  return {{"apiVersion", "v1"},
          {"kind", "Pod"},
          {"metadata", {{"name", "two"}, {"namespace", "default"}}},
          {"spec",
           {{"containers",
             {{{"name", "app"}, {"image", "app:1"}},
              {{"name", "probe"},
               {"image", "capprobe:it"},
               {"resources", {{"limits", {{"cpu", "250m"}, {"memory", "64Mi"}}}}},
               {"securityContext", {{"capabilities", {{"drop", {"NET_RAW"}}}}}}}}}}}};
}

// The container-level capabilities that need neither root nor a sandbox, and one pod-level one.
constexpr const char* kContainerLevel =
    "security.capabilities,security.identity,security.confinement,resources.cpu_limit,"
    "resources.memory_limit,host.pid";

// The envelope's pod_spec, or an empty object: a report without one must fail a check, not crash.
nlohmann::json pod_spec_of(const nlohmann::json& report) {
  return report.value("pod_spec", nlohmann::json::object());
}

RunResult probe_with(const std::filesystem::path& spec, std::vector<std::string> extra,
                     std::vector<std::string> env = {}) {
  std::vector<std::string> argv{capprobe_path(), "probe",       "--json", "--quick",
                                "--pod-spec",    spec.string(), "--only", kContainerLevel};
  argv.insert(argv.end(), extra.begin(), extra.end());
  RunOptions options;
  options.extra_env = std::move(env);
  return capprobe::it::run(argv, kQuickRunTimeout, options);
}

}  // namespace

TEST_CASE("pod spec: two containers and no name, the container's requests are unknown and why",
          "[pod_spec]") {
  TempDir dir("twocontainers");
  const auto spec = dir.write_file("pod.json", pod_with_two_containers().dump(2),
                                   fs::perms::owner_read | fs::perms::others_read);
  // CONTAINER_NAME is another tool's variable: it names nothing here.
  const auto run = probe_with(spec, {}, {"CONTAINER_NAME=probe", "CAPPROBE_CONTAINER="});
  INFO(describe(run));
  REQUIRE(run.exited_zero());
  const auto report = parse_report(run);
  CHECK(envelope_problems(report).empty());
  CHECK(pod_spec_of(report).value("source", "") == "file");
  const auto detail = pod_spec_of(report).value("detail", "");
  CHECK(detail.find("pod.json; container unknown: the pod has 2 containers (app, probe)") !=
        std::string::npos);
  CHECK(detail.find("--container") != std::string::npos);
  CHECK(report["subject"]["container"].is_null());
  CHECK(report["subject"]["pod"] == "default/two");

  for (const char* id : {"security.capabilities", "security.identity", "security.confinement",
                         "resources.cpu_limit", "resources.memory_limit"}) {
    const auto& result = result_of(report, id);
    INFO(brief(result));
    CHECK(result["requested"].is_null());
    CHECK(!starts_with(result["summary"], "REQUESTED BUT IGNORED"));
    CHECK(result["summary"].get<std::string>().find("2 containers (app, probe)") !=
          std::string::npos);
  }
  // hostPID is the pod's: left out, it is the default, false.
  CHECK(result_of(report, "host.pid")["requested"] == false);
}

TEST_CASE("pod spec: --container, or CAPPROBE_CONTAINER, chooses the container", "[pod_spec]") {
  TempDir dir("container-flag");
  const auto spec = dir.write_file("pod.json", pod_with_two_containers().dump(2),
                                   fs::perms::owner_read | fs::perms::others_read);
  struct Case {
    std::vector<std::string> args, env;
    const char* container;
    bool asks;  // "probe" drops NET_RAW; "app" asks for nothing
  };
  const Case cases[] = {
      {{"--container", "probe"}, {}, "probe", true},
      {{}, {"CAPPROBE_CONTAINER=probe"}, "probe", true},
      {{"--container", "app"}, {"CAPPROBE_CONTAINER=probe"}, "app", false},  // the flag wins
  };
  for (const auto& c : cases) {
    const auto run = probe_with(spec, c.args, c.env);
    INFO(describe(run));
    REQUIRE(run.exited_zero());
    const auto report = parse_report(run);
    CHECK(report["subject"]["container"] == c.container);
    CHECK(pod_spec_of(report).value("detail", "") ==
          spec.string() + "; container " + c.container + ", as named");
    const auto& capabilities = result_of(report, "security.capabilities");
    INFO(brief(capabilities));
    CHECK(capabilities["requested"] == c.asks);
    CHECK(result_of(report, "resources.cpu_limit")["requested"] == c.asks);
  }

  const auto wrong = probe_with(spec, {"--container", "nope"});
  INFO(describe(wrong));
  CHECK(wrong.exit_code == 2);
  CHECK(wrong.err.find("no container named 'nope'") != std::string::npos);
  CHECK(wrong.err.find("app, probe") != std::string::npos);
}

TEST_CASE("pod spec: an unrelated CONTAINER_NAME is not the subject's container", "[pod_spec]") {
  const auto run = capprobe::it::run(
      {capprobe_path(), "probe", "--json", "--quick", "--only", "host.pid"}, kQuickRunTimeout,
      RunOptions{"", {"CONTAINER_NAME=unrelated", "CAPPROBE_CONTAINER="}});
  INFO(describe(run));
  REQUIRE(run.exited_zero());
  const auto report = parse_report(run);
  CHECK(report["subject"]["container"].is_null());
  CHECK(pod_spec_of(report).value("source", "") == "none");
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
  const auto run =
      capprobe::it::run({capprobe_path(), "probe", "--json", "--pod-spec", spec.string(), "--only",
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
