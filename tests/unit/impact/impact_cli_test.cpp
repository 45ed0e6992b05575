// `capprobe impact` and the impact flags of `capprobe probe`: parsing, exit codes and formats,
// over an in-memory console.
#include <catch2/catch.hpp>

#include <sstream>
#include <variant>

#include "agent/cli.hpp"
#include "agent/impact_command.hpp"
#include "tests/unit/impact/impact_test_support.hpp"

namespace {

using namespace capprobe;
using namespace capprobe::impact::testing;

agent::CommandLine parse(const std::vector<std::string>& args) {
  static const std::vector<probes::Probe> none;
  return agent::parse_command_line(args, none);
}

std::string usage_error(const std::vector<std::string>& args) {
  const auto parsed = parse(args);
  REQUIRE(std::holds_alternative<agent::UsageError>(parsed));
  return std::get<agent::UsageError>(parsed).message;
}

std::string fixture_path(const std::string& name) {
  return std::string(CAPPROBE_FIXTURES) + "/impact/" + name + ".json";
}

struct Ran {
  int code = -1;
  std::string out, err;
};

Ran run(const std::vector<std::string>& args, const std::string& input = "") {
  const auto parsed = parse(args);
  if (const auto* error = std::get_if<agent::UsageError>(&parsed)) FAIL(error->message);
  REQUIRE(std::holds_alternative<agent::ImpactArgs>(parsed));
  std::ostringstream out, err;
  std::istringstream in(input);
  agent::Console console{out, err, in};
  Ran ran;
  ran.code = agent::run_impact_command(std::get<agent::ImpactArgs>(parsed), console);
  ran.out = out.str();
  ran.err = err.str();
  return ran;
}

}  // namespace

TEST_CASE("impact parses its flags and one report", "[impact][cli]") {
  const auto parsed = parse({"impact", "--k8s-version", "v1.21.14", "--profile", "kata", "--format",
                             "json", "report.json"});
  REQUIRE(std::holds_alternative<agent::ImpactArgs>(parsed));
  const auto& args = std::get<agent::ImpactArgs>(parsed);
  CHECK(args.options.k8s_version == "1.21");
  CHECK(args.options.profile == "kata");
  CHECK(args.format == agent::Format::json);
  CHECK(args.report == "report.json");
  CHECK(std::get<agent::ImpactArgs>(parse({"impact", "-"})).report == "-");
}

TEST_CASE("impact usage errors name what is wrong", "[impact][cli]") {
  CHECK(usage_error({"impact"}).find("impact needs a report") != std::string::npos);
  CHECK(usage_error({"impact", "a.json", "b.json"}).find("one report") != std::string::npos);
  CHECK(usage_error({"impact", "--k8s-version", "1.99", "r.json"}).find("supported: 1.21, 1.30") !=
        std::string::npos);
  CHECK(usage_error({"impact", "--profile", "gke", "r.json"}).find("windows-core") !=
        std::string::npos);
  CHECK(usage_error({"impact", "--format", "prometheus", "r.json"})
            .find("expected table, json or junit") != std::string::npos);
}

TEST_CASE("probe's impact flags: --impact alone, the others only with it", "[impact][cli]") {
  const auto parsed = parse({"probe", "--impact", "--k8s-version", "1.21", "--json"});
  REQUIRE(std::holds_alternative<agent::ProbeArgs>(parsed));
  CHECK(std::get<agent::ProbeArgs>(parsed).impact.enabled);
  CHECK(std::get<agent::ProbeArgs>(parsed).impact.k8s_version == "1.21");
  CHECK(usage_error({"probe", "--profile", "kata"}).find("need --impact") != std::string::npos);
  CHECK(usage_error({"probe", "--impact", "--format", "nfd"}).find("table, json and junit") !=
        std::string::npos);
  CHECK(usage_error({"sonobuoy", "--impact"}).find("unknown flag '--impact'") != std::string::npos);
}

TEST_CASE("impact --format json prints the contract's JSON, exit 0", "[impact][cli]") {
  const auto ran = run({"impact", "--format", "json", fixture_path("vsphere-pod")});
  CHECK(ran.code == 0);
  CHECK(ran.err.empty());
  const auto json = nlohmann::json::parse(ran.out);
  CHECK(json.at("k8s_version") == "1.30");
  CHECK(json.at("tests").size() == 14);
  CHECK(json.at("unknown").size() == 16);
  CHECK_FALSE(json.at("skip_regex").get<std::string>().empty());
  CHECK_FALSE(json.contains("profile"));
}

TEST_CASE("impact reads stdin and judges a profile", "[impact][cli]") {
  const auto ran = run({"impact", "--format", "json", "--profile", "windows-core", "-"},
                       read_text(fixture_path("windows-process")));
  CHECK(ran.code == 0);
  const auto json = nlohmann::json::parse(ran.out);
  CHECK(json.at("profile").at("verdict") == "fail");
  CHECK(json.at("tests").size() == 3);
}

TEST_CASE("impact's table names each predicted test, its basis and the skip regex",
          "[impact][cli]") {
  const auto ran = run({"impact", "--profile", "kata", fixture_path("kata-guest")});
  CHECK(ran.code == 0);
  CHECK(ran.out.find("CONFORMANCE IMPACT (Kubernetes 1.30)") != std::string::npos);
  CHECK(ran.out.find("Predicted to fail or not to run: 14 tests") != std::string::npos);
  CHECK(ran.out.find("fs.subpath, documented: ") != std::string::npos);
  CHECK(ran.out.find("Unknown (the report cannot tell): 13 tests") != std::string::npos);
  CHECK(ran.out.find("Skip regex (--ginkgo.skip): \n  \\[sig-network\\] Networking") !=
        std::string::npos);
  CHECK(ran.out.find("PROFILE kata: untested") != std::string::npos);
}

TEST_CASE("impact --format junit: predicted tests fail, unknown ones are skipped",
          "[impact][cli]") {
  const auto ran = run(
      {"impact", "--format", "junit", "--profile", "linux-node", fixture_path("runc-pod-ignored")});
  CHECK(ran.code == 0);
  CHECK(ran.out.rfind("<?xml", 0) == 0);
  CHECK(ran.out.find("<testsuite name=\"capprobe impact k8s 1.30\" tests=\"28\" failures=\"7\"") !=
        std::string::npos);
  CHECK(ran.out.find("type=\"predicted_measured\"") != std::string::npos);
  CHECK(ran.out.find("<testsuite name=\"capprobe profile linux-node\"") != std::string::npos);
}

TEST_CASE("impact exits 2 for a report it cannot read or that is not a report", "[impact][cli]") {
  const auto missing = run({"impact", "/nonexistent/report.json"});
  CHECK(missing.code == 2);
  CHECK(missing.err.find("cannot read the report /nonexistent/report.json") != std::string::npos);
  const auto garbage = run({"impact", "-"}, "{\"schema\": 42}");
  CHECK(garbage.code == 2);
  CHECK(garbage.err.find("stdin is not a capprobe report") != std::string::npos);
  CHECK(garbage.out.empty());
}

TEST_CASE("the report's JSON and JUnit carry the impact with probe --impact", "[impact][cli]") {
  const auto report = fixture_report("runc-pod-ignored");
  agent::ImpactOptions options;
  options.enabled = true;
  options.profile = "linux-node";
  const auto json =
      nlohmann::json::parse(agent::render_with_impact(report, agent::Format::json, {}, options));
  CHECK(json.at("schema") == "capprobe.report/v1");
  CHECK(json.at("impact").at("tests").size() == 7);
  CHECK(json.at("impact").at("profile").at("verdict") == "fail");
  const auto junit = agent::render_with_impact(report, agent::Format::junit, {}, options);
  CHECK(junit.find("<testsuite name=\"capprobe node-1\"") == std::string::npos);
  CHECK(junit.find("<testsuite name=\"capprobe worker-2\"") != std::string::npos);
  CHECK(junit.find("<testsuite name=\"capprobe impact k8s 1.30\"") != std::string::npos);
  const auto yaml = agent::render_sonobuoy_with_impact(report, agent::impact_of(report, options));
  CHECK(yaml.find("  - name: \"conformance impact (Kubernetes 1.30)\"\n    status: \"failed\"") !=
        std::string::npos);
  CHECK(yaml.find("      - name: \"" +
                  std::string("[sig-network] Networking Granular Checks: Pods "
                              "should function for node-pod communication: "
                              "http [LinuxOnly] [NodeConformance] "
                              "[Conformance]") +
                  "\"\n        status: \"failed\"") != std::string::npos);
  CHECK(yaml.find("  - name: \"profile linux-node\"\n    status: \"failed\"") != std::string::npos);
  const auto table = agent::render_with_impact(report, agent::Format::table, {}, options);
  CHECK(table.find("REQUESTED BUT IGNORED") != std::string::npos);
  CHECK(table.find("CONFORMANCE IMPACT (Kubernetes 1.30)") != std::string::npos);
}
