// `capprobe sonobuoy` as a real process, as Sonobuoy's worker sees it: the results directory
// from the flag or Sonobuoy's variables, the results and the done file, then a process that
// stays until SIGTERM and exits 0.
#include <catch2/catch.hpp>

#include <signal.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>

#include <nlohmann/json.hpp>

#include "child_process.hpp"
#include "scratch.hpp"

using namespace capprobe::it;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<std::string> sonobuoy(std::vector<std::string> flags) {
  std::vector<std::string> argv = {CAPPROBE_AGENT_BIN, "sonobuoy"};
  argv.insert(argv.end(), flags.begin(), flags.end());
  return argv;
}

// What the worker finds: a done file naming a directory with the four result files, the YAML
// and the JUnit carrying the conformance impact.
void check_results(const std::string& results_dir) {
  const auto done = results_dir + "/done";
  REQUIRE(fs::exists(done));
  const auto named = read_text(done);
  INFO("done: " << named);
  CHECK(named == fs::absolute(results_dir).string() + "/capprobe");
  REQUIRE(fs::is_directory(named));
  const auto yaml = read_text(named + "/capprobe.yaml");
  CHECK(yaml.rfind("name: \"capprobe\"\nstatus: \"", 0) == 0);  // the manual format's root item
  CHECK(yaml.find("\nitems:\n  - name: \"") != std::string::npos);
  CHECK(yaml.find("\n  - name: \"conformance impact (Kubernetes 1.30)\"\n") != std::string::npos);
  const auto junit = read_text(named + "/junit.xml");
  CHECK(junit.rfind("<?xml", 0) == 0);
  CHECK(junit.find("<testsuite name=\"capprobe impact k8s 1.30\"") != std::string::npos);
  const auto impact = nlohmann::json::parse(read_text(named + "/impact.json"));
  CHECK(impact.at("k8s_version") == "1.30");
  CHECK(impact.at("skip_regex").is_string());
  const auto report = nlohmann::json::parse(read_text(named + "/report.json"));
  CHECK(report.at("schema") == "capprobe.report/v1");
  CHECK(report.at("agent").at("mode") == "sonobuoy");
  // Nothing else: no temp file left behind.
  std::vector<std::string> files;
  for (const auto& entry : fs::directory_iterator(named)) files.push_back(entry.path().filename());
  std::sort(files.begin(), files.end());
  CHECK(files ==
        std::vector<std::string>{"capprobe.yaml", "impact.json", "junit.xml", "report.json"});
}

}  // namespace

TEST_CASE("sonobuoy: results and done file, then it stays until SIGTERM and exits 0") {
  Scratch scratch("sonobuoy");
  const auto results = scratch / "results";
  // The flag wins over Sonobuoy's variables.
  ChildProcess child(sonobuoy({"--quick", "--results-dir", results}),
                     loopback_only_env({"SONOBUOY_RESULTS_DIR=" + scratch / "not-here",
                                        "RESULTS_DIR=" + scratch / "nor-here"}),
                     scratch.str());
  INFO("stdout:\n" << child.out() << "\nstderr:\n" << child.err());
  REQUIRE(wait_until([&] { return fs::exists(results + "/done"); }, 60s));
  check_results(results);
  CHECK_FALSE(fs::exists(scratch / "not-here"));
  CHECK_FALSE(fs::exists(scratch / "nor-here"));
  // A DaemonSet plugin's container must not exit.
  CHECK_FALSE(child.wait_exit(3s));
  CHECK(child.out().find("waiting for SIGTERM") != std::string::npos);
  child.signal(SIGTERM);
  REQUIRE(child.wait_exit(10s) == 0);
  CHECK(child.out().find("stopped by signal 15 (SIGTERM)") != std::string::npos);
}

TEST_CASE("sonobuoy: the results directory from SONOBUOY_RESULTS_DIR, then RESULTS_DIR") {
  Scratch scratch("sonobuoy");
  {
    ChildProcess child(sonobuoy({"--quick"}),
                       loopback_only_env({"SONOBUOY_RESULTS_DIR=" + scratch / "sonobuoy-dir",
                                          "RESULTS_DIR=" + scratch / "legacy-dir"}),
                       scratch.str());
    INFO(child.err());
    REQUIRE(wait_until([&] { return fs::exists(scratch / "sonobuoy-dir/done"); }, 60s));
    check_results(scratch / "sonobuoy-dir");
    CHECK_FALSE(fs::exists(scratch / "legacy-dir"));
    child.signal(SIGINT);
    REQUIRE(child.wait_exit(10s) == 0);
  }
  ChildProcess child(
      sonobuoy({"--quick"}),
      loopback_only_env({"SONOBUOY_RESULTS_DIR=", "RESULTS_DIR=" + scratch / "legacy-dir"}),
      scratch.str());
  INFO(child.err());
  REQUIRE(wait_until([&] { return fs::exists(scratch / "legacy-dir/done"); }, 60s));
  check_results(scratch / "legacy-dir");
  child.signal(SIGTERM);
  REQUIRE(child.wait_exit(10s) == 0);
}

TEST_CASE("sonobuoy: a SIGTERM during the round still leaves the results, then exit 0") {
  Scratch scratch("sonobuoy");
  const auto results = scratch / "results";
  // Without --quick the round burns the CPUs for about a second: the signal lands in it.
  ChildProcess child(sonobuoy({"--only", "resources.cpu_limit", "--results-dir", results}),
                     loopback_only_env(), scratch.str());
  INFO("stdout:\n" << child.out() << "\nstderr:\n" << child.err());
  std::this_thread::sleep_for(300ms);
  REQUIRE_FALSE(fs::exists(results + "/done"));
  child.signal(SIGTERM);
  REQUIRE(child.wait_exit(30s) == 0);
  check_results(results);
}

TEST_CASE("sonobuoy: results that cannot be written are exit 1, a wrong flag is exit 2") {
  Scratch scratch("sonobuoy");
  std::ofstream(scratch / "a-file") << "not a directory";
  ChildProcess unwritable(sonobuoy({"--quick", "--results-dir", scratch / "a-file"}),
                          loopback_only_env(), scratch.str());
  REQUIRE(unwritable.wait_exit(60s) == 1);
  CHECK(unwritable.err().find("capprobe: cannot write the Sonobuoy results: cannot create ") !=
        std::string::npos);

  ChildProcess wrong(sonobuoy({"--format", "json"}), loopback_only_env(), scratch.str());
  REQUIRE(wrong.wait_exit(30s) == 2);
  CHECK(wrong.err() == "capprobe: unknown flag '--format' (see capprobe sonobuoy --help)\n");
}
