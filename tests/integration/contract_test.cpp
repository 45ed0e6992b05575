// The report as other tools see it (DESIGN.md): exactly the catalog ids, every envelope field
// with its type, the evidence keys other tools read, and the exit codes of the command line.
#include <catch2/catch.hpp>

#include <algorithm>
#include <set>
#include <sstream>
#include <string>

#include "tests/integration/support/report.hpp"
#include "tests/integration/support/run.hpp"
#include "tests/integration/support/sandbox.hpp"

namespace {

using namespace capprobe::it;

std::vector<std::string> sorted(std::vector<std::string> ids) {
  std::sort(ids.begin(), ids.end());
  return ids;
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> found;
  std::istringstream stream(text);
  std::string line;
  while (std::getline(stream, line))
    if (!line.empty()) found.push_back(line);
  return found;
}

}  // namespace

TEST_CASE("capprobe probe --json: the 15 catalog ids, the envelope and the evidence keys",
          "[contract]") {
  const auto run = capprobe::it::run({capprobe_path(), "probe", "--json"}, kFullRunTimeout);
  INFO(describe(run));
  REQUIRE(run.exited_zero());
  const auto report = parse_report(run);

  CHECK(envelope_problems(report) == std::vector<std::string>{});
  CHECK(report["agent"].value("mode", "") == "oneshot");
  CHECK(report["subject"].value("os", "") == "linux");
  CHECK(sorted(result_ids(report)) == sorted(catalog_ids()));

  for (const auto& result : report["results"]) {
    INFO(brief(result));
    CHECK(result_problems(result) == std::vector<std::string>{});
    CHECK(evidence_problems(result) == std::vector<std::string>{});
    // On this machine as root every capability can be exercised: a probe error is a bug.
    if (missing(Facility::root) == std::nullopt) CHECK(result["status"] != "error");
  }
}

TEST_CASE("capprobe probe --json: two runs have different report ids", "[contract]") {
  const auto first = capprobe::it::run(
      {capprobe_path(), "probe", "--json", "--quick", "--only", "platform.os"}, kQuickRunTimeout);
  const auto second = capprobe::it::run(
      {capprobe_path(), "probe", "--json", "--quick", "--only", "platform.os"}, kQuickRunTimeout);
  INFO(describe(first) << "\n" << describe(second));
  REQUIRE(first.exited_zero());
  REQUIRE(second.exited_zero());
  CHECK(parse_report(first)["report_id"] != parse_report(second)["report_id"]);
}

TEST_CASE("capprobe probe --quick: no burn and no allocation, still every id", "[contract]") {
  const auto run =
      capprobe::it::run({capprobe_path(), "probe", "--json", "--quick"}, kQuickRunTimeout);
  INFO(describe(run));
  REQUIRE(run.exited_zero());
  const auto report = parse_report(run);
  CHECK(sorted(result_ids(report)) == sorted(catalog_ids()));
  for (const char* id : {"resources.cpu_limit", "resources.memory_limit"}) {
    const auto& result = result_of(report, id);
    INFO(brief(result));
    CHECK(result["status"] == "untested");
    CHECK(evidence_problems(result) == std::vector<std::string>{});
  }
  // Nothing burnt, nothing allocated.
  CHECK(result_of(report, "resources.cpu_limit")["evidence"].value("measured_cpus",
                                                                   nlohmann::json(0)) == nullptr);
  CHECK(result_of(report, "resources.memory_limit")["evidence"].value("outcome", "") == "not_run");
}

TEST_CASE("capprobe probe --only/--skip select results", "[contract][cli]") {
  const auto only = capprobe::it::run(
      {capprobe_path(), "probe", "--json", "--only", "platform.os,security.identity"},
      kQuickRunTimeout);
  INFO(describe(only));
  REQUIRE(only.exited_zero());
  CHECK(sorted(result_ids(parse_report(only))) ==
        std::vector<std::string>{"platform.os", "security.identity"});

  const auto skip = capprobe::it::run(
      {capprobe_path(), "probe", "--json", "--quick", "--skip", "platform.os"}, kQuickRunTimeout);
  INFO(describe(skip));
  REQUIRE(skip.exited_zero());
  const auto ids = result_ids(parse_report(skip));
  CHECK(ids.size() == catalog_ids().size() - 1);
  CHECK(std::find(ids.begin(), ids.end(), "platform.os") == ids.end());
}

TEST_CASE("exit codes: 2 and one line on stderr for a usage error", "[contract][cli]") {
  const std::vector<std::vector<std::string>> usage_errors = {
      {"probe", "--no-such-flag"},
      {"--no-such-flag"},
      {"no-such-command"},
      {"probe", "--only", "no.such_capability"},
      {"probe", "--format", "no-such-format"},
      {"probe", "--only"},  // a flag missing its value
  };
  for (const auto& args : usage_errors) {
    std::vector<std::string> argv = {capprobe_path()};
    argv.insert(argv.end(), args.begin(), args.end());
    const auto run = capprobe::it::run(argv, kQuickRunTimeout);
    INFO(describe(run));
    CHECK(run.exit_code == 2);
    CHECK(lines(run.err).size() == 1);
    CHECK(run.out.empty());
  }
}

TEST_CASE("exit codes: 0 when the command ran", "[contract][cli]") {
  const std::vector<std::vector<std::string>> fine = {
      {"version"},
      {"list"},
      {"list", "--json"},
      {"probe", "--quick", "--only", "platform.os"},  // the human table
      {"probe", "--quick", "--format", "junit", "--only", "platform.os"},
      {"probe", "--quick", "--format", "prometheus", "--only", "platform.os"},
  };
  for (const auto& args : fine) {
    std::vector<std::string> argv = {capprobe_path()};
    argv.insert(argv.end(), args.begin(), args.end());
    const auto run = capprobe::it::run(argv, kQuickRunTimeout);
    INFO(describe(run));
    CHECK(run.exited_zero());
    CHECK(!run.out.empty());
  }
}

TEST_CASE("capprobe list --json: the catalog has the 15 ids", "[contract][cli]") {
  const auto run = capprobe::it::run({capprobe_path(), "list", "--json"}, kQuickRunTimeout);
  INFO(describe(run));
  REQUIRE(run.exited_zero());
  const auto catalog = nlohmann::json::parse(run.out);
  // Either a list of entries or {"probes": [...]}: the ids are what is API.
  const auto& entries = catalog.is_array() ? catalog : catalog.value("probes", catalog);
  REQUIRE(entries.is_array());
  std::vector<std::string> ids;
  for (const auto& entry : entries) ids.push_back(entry.value("id", ""));
  CHECK(sorted(ids) == sorted(catalog_ids()));
}
