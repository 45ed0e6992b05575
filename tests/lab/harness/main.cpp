// lab_runner: runs one lab scenario. Builds its environment (images come from the cache), runs
// capprobe in it, takes it down, and checks every expectation of the declaration against the
// report. Exit 0 when every check holds (or "SKIPPED: <why>" when this machine lacks the
// facility), 1 when any fails, 2 on a usage error.
//
//   lab_runner --scenario FILE --capprobe BIN --work DIR --guest-init FILE [--cache DIR]
#include <chrono>
#include <cstdlib>
#include <iomanip>
#include <iostream>
#include <map>

#include "tests/lab/harness/environment.hpp"
#include "tests/lab/harness/expect.hpp"
#include "tests/lab/harness/sandbox.hpp"
#include "tests/lab/harness/util.hpp"

namespace capprobe::lab {
namespace {

constexpr const char* kDefaultCache = "/var/cache/capprobe-lab";

struct Options {
  fs::path scenario;
  LabPaths paths;
};

std::optional<Options> parse_options(int argc, char** argv) {
  Options options;
  const char* cache = std::getenv("CAPPROBE_LAB_CACHE");
  options.paths.cache = cache && *cache ? cache : kDefaultCache;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const fs::path value = argv[i + 1];
    if (flag == "--scenario")
      options.scenario = value;
    else if (flag == "--capprobe")
      options.paths.capprobe = value;
    else if (flag == "--work")
      options.paths.work = value;
    else if (flag == "--guest-init")
      options.paths.guest_init = value;
    else if (flag == "--cache")
      options.paths.cache = value;
    else
      return std::nullopt;
  }
  if (argc % 2 == 0 || options.scenario.empty() || options.paths.capprobe.empty() ||
      options.paths.work.empty() || options.paths.guest_init.empty())
    return std::nullopt;
  // Absolute from here on: runc reads a relative root against the bundle, and the cleanup
  // matches mount points against /proc/self/mountinfo's absolute paths.
  for (auto* path : {&options.scenario, &options.paths.capprobe, &options.paths.work,
                     &options.paths.guest_init, &options.paths.cache})
    *path = fs::absolute(*path).lexically_normal();
  return options;
}

// The checks every scenario gets without declaring them: capprobe ran to its end with exit
// status 0 and wrote a v1 report, and no probe ended in `error` unless the scenario expects it.
std::vector<Check> implicit_checks(const Outcome& outcome, const json* report, const json& expect) {
  std::vector<Check> checks;
  checks.push_back({"capprobe.exit_code", outcome.finished && outcome.exit_code == 0, "0",
                    outcome.finished ? std::to_string(outcome.exit_code) : "(did not finish)"});
  if (!report) {
    checks.push_back({"report", false, "a JSON report on stdout", "no valid JSON"});
    return checks;
  }
  const auto schema = report->value("schema", "");
  checks.push_back(
      {"schema", schema == "capprobe.report/v1", "\"capprobe.report/v1\"", "\"" + schema + "\""});
  for (const auto& result : report->value("results", json::array())) {
    const auto id = result.value("id", "?");
    const bool declared = expect.contains("results") && expect["results"].contains(id) &&
                          expect["results"][id].contains("status");
    if (declared) continue;
    const auto status = result.value("status", "");
    checks.push_back({"results." + id + ".status", status != "error", "not \"error\"",
                      "\"" + status + "\" (" + result.value("summary", "") + ")"});
  }
  return checks;
}

int run(const Options& options) {
  const auto started = std::chrono::steady_clock::now();
  Scenario scenario;
  try {
    scenario = load_scenario(options.scenario);
  } catch (const std::exception& error) {
    std::cout << "FAILED: bad scenario: " << error.what() << "\n";
    return 1;
  }
  std::cout << "lab scenario " << scenario.name << ": " << scenario.description << "\n";

  Outcome outcome;
  try {
    require_root();
    sweep_stale(options.paths.work);
    if (const auto* env = std::get_if<ContainerEnv>(&scenario.environment))
      outcome = run_in_container(scenario, *env, options.paths);
    else
      outcome = run_in_vm(scenario, std::get<VmEnv>(scenario.environment), options.paths);
  } catch (const Skip& skip) {
    std::cout << "SKIPPED: " << skip.what() << "\n";
    return 0;
  } catch (const std::exception& error) {
    std::cout << "FAILED: the environment could not be built or run: " << error.what() << "\n";
    return 1;
  }

  std::optional<json> report;
  try {
    report = json::parse(outcome.report);
  } catch (const json::exception&) {
  }
  const auto reports = options.paths.work / "reports";
  fs::create_directories(reports);
  write_file(reports / (scenario.name + ".json"), report ? report->dump(2) + "\n" : outcome.report);

  std::vector<Check> checks =
      implicit_checks(outcome, report ? &*report : nullptr, scenario.expect);
  if (report) {
    auto vars = host_vars();
    vars.insert(outcome.vars.begin(), outcome.vars.end());
    try {
      const auto expected = substitute(scenario.expect, vars);
      const auto view = report_view(*report);
      auto more = match(expected, &view, "");
      checks.insert(checks.end(), more.begin(), more.end());
    } catch (const std::exception& error) {
      std::cout << "FAILED: bad expectation: " << error.what() << "\n";
      return 1;
    }
  }

  std::size_t failed = 0;
  for (const auto& check : checks) {
    if (!check.passed) ++failed;
    std::cout << (check.passed ? "  ok    " : "  FAIL  ") << check.path << ": want " << check.wanted
              << ", got " << check.got << "\n";
  }
  if (report && report->contains("results")) {
    std::cout << "summaries:\n";
    for (const auto& result : (*report)["results"])
      std::cout << "  " << std::left << std::setw(24) << result.value("id", "?") << " "
                << std::setw(13) << result.value("status", "?") << " "
                << result.value("summary", "") << "\n";
  }
  if (failed > 0 || !report) {
    std::cout << "diagnostics:\n" << outcome.diagnostics << "\n";
    std::cout << "report kept at " << (reports / (scenario.name + ".json")).string() << "\n";
  }
  std::cout << std::fixed << std::setprecision(1) << "lab scenario " << scenario.name << ": "
            << (failed == 0 ? "PASSED" : "FAILED") << " (" << checks.size() - failed << "/"
            << checks.size() << " checks) in " << seconds_since(started) << " s (setup "
            << outcome.setup_s << " s, capprobe run " << outcome.run_s << " s)\n";
  return failed == 0 ? 0 : 1;
}

}  // namespace
}  // namespace capprobe::lab

int main(int argc, char** argv) {
  const auto options = capprobe::lab::parse_options(argc, argv);
  if (!options) {
    std::cerr << "usage: lab_runner --scenario FILE --capprobe BIN --work DIR --guest-init FILE"
                 " [--cache DIR]\n";
    return 2;
  }
  return capprobe::lab::run(*options);
}
