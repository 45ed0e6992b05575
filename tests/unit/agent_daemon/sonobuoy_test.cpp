// capprobe sonobuoy's pure parts: where the results go, and its command line.
#include <catch2/catch.hpp>

#include "agent/cli.hpp"
#include "agent/daemon/sonobuoy_command.hpp"
#include "platform/fake/fake_platform.hpp"

using namespace capprobe::agent;

TEST_CASE("sonobuoy: the results directory, as Sonobuoy's source decides it") {
  capprobe::platform::FakePlatform os;
  CHECK(daemon::sonobuoy_results_dir(std::nullopt, os) == "/tmp/sonobuoy/results");
  os.environment["RESULTS_DIR"] = "/legacy";
  CHECK(daemon::sonobuoy_results_dir(std::nullopt, os) == "/legacy");
  os.environment["SONOBUOY_RESULTS_DIR"] = "/results";
  CHECK(daemon::sonobuoy_results_dir(std::nullopt, os) == "/results");
  CHECK(daemon::sonobuoy_results_dir(std::string("/flag"), os) == "/flag");
  os.environment["SONOBUOY_RESULTS_DIR"] = "";  // set but empty: not set
  CHECK(daemon::sonobuoy_results_dir(std::nullopt, os) == "/legacy");
}

TEST_CASE("sonobuoy: the probe's flags but the output's, and --results-dir") {
  std::vector<capprobe::probes::Probe> catalog(1);
  catalog[0].info.id = "host.pid";
  auto parsed = parse_command_line({"sonobuoy", "--quick", "--only", "host.pid", "--no-pod-lookup",
                                    "--container", "capprobe", "--results-dir", "/r"},
                                   catalog);
  REQUIRE(std::holds_alternative<SonobuoyArgs>(parsed));
  const auto& args = std::get<SonobuoyArgs>(parsed);
  CHECK(args.results_dir == "/r");
  CHECK(args.probe.selection.quick);
  CHECK(args.probe.selection.only == std::set<std::string>{"host.pid"});
  CHECK_FALSE(args.probe.pod_lookup.enabled);
  CHECK(args.probe.container == "capprobe");
  CHECK_FALSE(std::get<SonobuoyArgs>(parse_command_line({"sonobuoy"}, catalog)).results_dir);

  for (const auto& [words, message] : std::vector<std::pair<std::vector<std::string>, std::string>>{
           {{"sonobuoy", "--json"}, "unknown flag '--json' (see capprobe sonobuoy --help)"},
           {{"sonobuoy", "-o", "x"}, "unknown flag '-o'"},
           {{"sonobuoy", "--results-dir="}, "--results-dir needs a directory"},
           {{"sonobuoy", "--results-dir", "a", "--results-dir", "b"},
            "--results-dir is given twice"},
           {{"sonobuoy", "--only", "host.pid", "--skip", "host.pid"},
            "'host.pid' is in both --only and --skip (see capprobe sonobuoy --help)"}}) {
    parsed = parse_command_line(words, catalog);
    REQUIRE(std::holds_alternative<UsageError>(parsed));
    CHECK_THAT(std::get<UsageError>(parsed).message, Catch::Contains(message));
  }
  const auto help = std::get<HelpArgs>(parse_command_line({"sonobuoy", "--help"}, catalog));
  CHECK_THAT(help.text, Catch::Contains("--results-dir DIR") &&
                            Catch::Contains("SONOBUOY_RESULTS_DIR") &&
                            !Catch::Contains("--format"));
}
