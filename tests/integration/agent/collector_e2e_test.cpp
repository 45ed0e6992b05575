// The agent against the real collector (`capprobe collector`, which becomes capprobe-collector
// beside it), both real processes on loopback: reports arrive, the matrix and the node view
// show them, an outage loses nothing, a wrong token is a rejection.
#include <catch2/catch.hpp>

#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <thread>

#include "agent_run.hpp"
#include "child_process.hpp"
#include "loopback_http.hpp"
#include "scratch.hpp"

using namespace capprobe::it;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

const std::vector<std::string> kAgentEnv = loopback_only_env({"NODE_NAME=e2e-node-1"});

// `capprobe collector` on `port` with its database and token in `scratch`; ready when /healthz
// is. Reads are public here: these tests are about delivery (the read credential has its tests
// in tests/integration/collector/credentials_test.cpp, and tls_test.cpp here reads with it).
std::unique_ptr<ChildProcess> start_collector(const Scratch& scratch, std::uint16_t port) {
  auto collector = std::make_unique<ChildProcess>(
      std::vector<std::string>{CAPPROBE_AGENT_BIN, "collector", "--listen",
                               "127.0.0.1:" + std::to_string(port), "--db", scratch / "fleet.db",
                               "--token-file", scratch / "collector-token", "--public-read"},
      std::vector<std::string>{}, scratch.str());
  const bool ready = wait_until([&] { return http_get(port, "/healthz").status == 200; }, 30s);
  INFO("collector stderr:\n" << collector->err());
  REQUIRE(ready);
  // The same process became capprobe-collector: capprobe itself links no TLS or SQLite.
  const auto program = fs::read_symlink("/proc/" + std::to_string(collector->pid()) + "/exe");
  REQUIRE(program.filename() == "capprobe-collector");
  REQUIRE(program.parent_path() == fs::path(CAPPROBE_AGENT_BIN).parent_path());
  return collector;
}

// The collector's history of the node, oldest first.
std::vector<std::string> history(std::uint16_t port) {
  const auto got = http_get(port, "/api/v1/reports?node=e2e-node-1&limit=1000");
  if (got.status != 200) return {};
  std::vector<std::string> ids;
  const auto answer = nlohmann::json::parse(got.body);  // outlives the loop below
  for (const auto& entry : answer.at("reports"))
    ids.push_back(entry.at("report_id").get<std::string>());
  std::reverse(ids.begin(), ids.end());  // the API lists newest first
  return ids;
}

}  // namespace

TEST_CASE("agent to collector: the report is stored and the matrix shows the node") {
  Scratch scratch("agent-e2e");
  std::ofstream(scratch / "collector-token") << "fleet-token-42\n";
  std::ofstream(scratch / "agent-token") << "fleet-token-42\n";
  const auto port = free_loopback_port();
  const auto collector = start_collector(scratch, port);
  ChildProcess agent(
      {CAPPROBE_AGENT_BIN, "agent", "--collector", url_of_port(port), "--once", "--quick",
       "--spool-dir", scratch / "spool", "--token-file", scratch / "agent-token"},
      kAgentEnv, scratch.str());
  const auto code = agent.wait_exit(60s);
  INFO("agent stderr:\n" << agent.err() << "\ncollector stderr:\n" << collector->err());
  REQUIRE(code == 0);
  const auto id = rounds_logged(agent).at(0);
  REQUIRE(agent.out().rfind("delivered report " + id, 0) == 0);

  const auto node = http_get(port, "/api/v1/nodes/e2e-node-1");
  REQUIRE(node.status == 200);
  const auto report = nlohmann::json::parse(node.body).at("subjects").at(0).at("report");
  REQUIRE(report.at("report_id") == id);
  REQUIRE(report.at("agent").at("mode") == "agent");

  const auto matrix = nlohmann::json::parse(http_get(port, "/api/v1/matrix").body);
  bool node_listed = false;
  for (const auto& row : matrix.at("nodes"))
    if (row.at("node") == "e2e-node-1") {
      node_listed = true;
      REQUIRE(row.at("capabilities").contains("platform.os"));
    }
  REQUIRE(node_listed);
  std::set<std::string> capabilities;
  for (const auto& row : matrix.at("capabilities")) capabilities.insert(row.at("id"));
  REQUIRE(capabilities.count("fs.symlink") == 1);
  REQUIRE(capabilities.count("host.pid") == 1);
}

TEST_CASE("agent to collector: an outage of the collector loses no report") {
  Scratch scratch("agent-e2e");
  std::ofstream(scratch / "collector-token") << "fleet-token-42\n";
  std::ofstream(scratch / "agent-token") << "fleet-token-42\n";
  const auto port = free_loopback_port();
  ChildProcess agent({CAPPROBE_AGENT_BIN, "agent", "--collector", url_of_port(port), "--interval",
                      "1s", "--retry-max", "1s", "--quick", "--spool-dir", scratch / "spool",
                      "--token-file", scratch / "agent-token"},
                     kAgentEnv, scratch.str());
  INFO("agent stderr:\n" << agent.err());
  REQUIRE(wait_until([&] { return rounds_logged(agent).size() >= 3; }, 30s));
  const auto made_during_outage = rounds_logged(agent);
  const auto collector = start_collector(scratch, port);
  const bool caught_up =
      wait_until([&] { return history(port).size() > made_during_outage.size(); }, 30s);
  INFO("agent stderr:\n"
       << agent.err() << "\ncollector stderr:\n"
       << collector->err() << "\nhistory: " << history(port).size());
  REQUIRE(caught_up);
  agent.signal(SIGTERM);
  REQUIRE(agent.wait_exit(30s) == 0);

  const auto made = rounds_logged(agent);
  const auto stored = history(port);
  INFO("collector stderr:\n" << collector->err());
  // The collector holds each report once, in the order the agent made them; what it does not
  // hold yet is still in the agent's spool.
  REQUIRE(std::set<std::string>(stored.begin(), stored.end()).size() == stored.size());
  for (std::size_t i = 0; i < stored.size(); ++i) REQUIRE(stored[i] == made[i]);
  std::size_t spooled = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(scratch / "spool")) ++spooled;
  REQUIRE(stored.size() + spooled == made.size());
}

TEST_CASE("agent to collector: a wrong token keeps the report until the token is right") {
  // A token rotation reaches the nodes and the collector at different moments: in between, the
  // reports wait in the spool instead of being dropped.
  Scratch scratch("agent-e2e");
  std::ofstream(scratch / "collector-token") << "fleet-token-42\n";
  std::ofstream(scratch / "agent-token") << "stale-token\n";
  const auto port = free_loopback_port();
  const auto collector = start_collector(scratch, port);
  const std::vector<std::string> once = {CAPPROBE_AGENT_BIN,     "agent",           "--collector",
                                         url_of_port(port),      "--once",          "--quick",
                                         "--spool-dir",          scratch / "spool", "--token-file",
                                         scratch / "agent-token"};
  ChildProcess stale(once, kAgentEnv, scratch.str());
  const auto stale_code = stale.wait_exit(60s);
  INFO("agent stdout:\n" << stale.out() << "\nagent stderr:\n" << stale.err());
  REQUIRE(stale_code == 0);
  REQUIRE(stale.out().find("spooled report") != std::string::npos);
  REQUIRE(stale.out().find("HTTP 401") != std::string::npos);
  REQUIRE(history(port).empty());
  REQUIRE(stale.err().find("stale-token") == std::string::npos);

  std::ofstream(scratch / "agent-token") << "fleet-token-42\n";
  ChildProcess fixed(once, kAgentEnv, scratch.str());
  REQUIRE(fixed.wait_exit(60s) == 0);
  INFO("agent stdout:\n" << fixed.out() << "\nagent stderr:\n" << fixed.err());
  REQUIRE(fixed.out().find("delivered report") != std::string::npos);
  REQUIRE(history(port).size() == 2);  // the one that waited, and the new one
  REQUIRE(fs::is_empty(scratch / "spool"));
}
