// The agent's loop over a fake probe round and a fake collector: spool-first delivery oldest
// first, retries through an outage, rejection without retry, --once outcomes, stopping with a
// round under way, and the /metrics and /healthz answers.
#include <catch2/catch.hpp>

#include <atomic>
#include <mutex>
#include <sstream>

#include "agent/daemon/agent_loop.hpp"
#include "temp_dir.hpp"

using namespace capprobe::agent;
using namespace capprobe::agent::daemon;
using capprobe::test::TempDir;

namespace {

// Produces reports "r1", "r2"... and records what the fake collector was sent.
struct World {
  std::mutex mutex;
  std::vector<std::string> produced;
  std::vector<std::string> posted;     // every POST, in order, retries included
  std::vector<std::string> delivered;  // the ones answered 202
  std::function<DeliveryOutcome(const std::string& id)> answer = [](const std::string&) {
    return DeliveryOutcome{DeliveryResult::delivered, 202, ""};
  };
  std::function<void(const std::string& id)> on_round;  // after a report is made
  Agent* agent = nullptr;

  AgentDeps deps() {
    return AgentDeps{
        [this] {
          Report report;
          {
            std::lock_guard lock(mutex);
            report.report_id = "r" + std::to_string(produced.size() + 1);
            produced.push_back(report.report_id);
          }
          report.agent_version = "test";
          report.agent_mode = "agent";
          report.subject.node = "node-a";
          capprobe::probes::CapabilityResult result;
          result.id = "fs.symlink";
          result.status = capprobe::probes::Status::supported;
          report.results.push_back(result);
          if (on_round) on_round(report.report_id);
          return report;
        },
        [this](const std::string& body) {
          const auto id = nlohmann::json::parse(body).at("report_id").get<std::string>();
          const auto outcome = answer(id);
          std::lock_guard lock(mutex);
          posted.push_back(id);
          if (outcome.result == DeliveryResult::delivered) delivered.push_back(id);
          return outcome;
        },
        [] { return 0.5; },
        nullptr,
    };
  }
};

AgentOptions fast_options(const std::string& spool_dir) {
  AgentOptions options;
  options.collector = "http://collector.test";
  options.spool_dir = spool_dir;
  options.interval = Millis(30);
  options.backoff = {Millis(10), Millis(20)};
  return options;
}

std::unique_ptr<Spool> open_spool(const std::string& dir) {
  auto opened = Spool::open(dir, {});
  REQUIRE(std::holds_alternative<std::unique_ptr<Spool>>(opened));
  return std::get<std::unique_ptr<Spool>>(std::move(opened));
}

std::size_t files_in(const std::string& dir) {
  std::size_t count = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir)) ++count;
  return count;
}

}  // namespace

TEST_CASE("once mode delivers the round's report and says so") {
  TempDir temp;
  World world;
  std::ostringstream out;
  auto options = fast_options(temp / "spool");
  options.once = true;
  Agent agent(options, world.deps(), open_spool(temp / "spool"), out);
  REQUIRE(agent.run() == 0);
  REQUIRE(world.delivered == std::vector<std::string>{"r1"});
  REQUIRE(out.str() == "delivered report r1 to http://collector.test\n");
  REQUIRE(files_in(temp / "spool") == 0);
}

TEST_CASE("once mode with the collector down spools the report and exits 0 saying so") {
  TempDir temp;
  World world;
  world.answer = [](const std::string&) {
    return DeliveryOutcome{DeliveryResult::retry, 0, "Connection refused"};
  };
  std::ostringstream out;
  auto options = fast_options(temp / "spool");
  options.once = true;
  Agent agent(options, world.deps(), open_spool(temp / "spool"), out);
  REQUIRE(agent.run() == 0);
  REQUIRE(world.posted == std::vector<std::string>{"r1"});  // one attempt, no waiting
  REQUIRE(out.str().rfind("spooled report r1 in ", 0) == 0);
  REQUIRE(out.str().find("Connection refused") != std::string::npos);
  REQUIRE(files_in(temp / "spool") == 1);
}

TEST_CASE("once mode flushes older spooled reports first, oldest first") {
  TempDir temp;
  {
    auto spool = open_spool(temp / "spool");
    REQUIRE(spool->put("old1", R"({"report_id":"old1"})") == "");
    REQUIRE(spool->put("old2", R"({"report_id":"old2"})") == "");
  }
  World world;
  std::ostringstream out;
  auto options = fast_options(temp / "spool");
  options.once = true;
  Agent agent(options, world.deps(), open_spool(temp / "spool"), out);
  REQUIRE(agent.run() == 0);
  REQUIRE(world.delivered == std::vector<std::string>{"old1", "old2", "r1"});
  REQUIRE(files_in(temp / "spool") == 0);
}

TEST_CASE("a rejected report is dropped, not retried, and --once exits 1") {
  TempDir temp;
  World world;
  world.answer = [](const std::string&) {
    return DeliveryOutcome{DeliveryResult::rejected, 400, "{\"error\":\"bad schema\"}"};
  };
  std::ostringstream out;
  auto options = fast_options(temp / "spool");
  options.once = true;
  Agent agent(options, world.deps(), open_spool(temp / "spool"), out);
  REQUIRE(agent.run() == 1);
  REQUIRE(world.posted == std::vector<std::string>{"r1"});
  REQUIRE(out.str().find("rejected report r1 (HTTP 400") != std::string::npos);
  REQUIRE(files_in(temp / "spool") == 0);
  const auto metrics = agent.answer_http("GET", "/metrics").body;
  REQUIRE(metrics.find("capprobe_agent_deliveries_total{result=\"rejected\"} 1\n") !=
          std::string::npos);
}

TEST_CASE("a round that fails makes --once exit 1") {
  TempDir temp;
  World world;
  world.on_round = [](const std::string&) { throw std::runtime_error("boom"); };
  std::ostringstream out;
  auto options = fast_options(temp / "spool");
  options.once = true;
  Agent agent(options, world.deps(), open_spool(temp / "spool"), out);
  REQUIRE(agent.run() == 1);
  REQUIRE(out.str().find("the probe round failed: boom") != std::string::npos);
}

TEST_CASE("through an outage every report arrives exactly once, oldest first") {
  TempDir temp;
  World world;
  std::atomic<int> attempts{0};
  // The collector is down for the first 8 attempts (several rounds pass), then comes back.
  world.answer = [&](const std::string&) {
    if (++attempts <= 8) return DeliveryOutcome{DeliveryResult::retry, 503, "down"};
    return DeliveryOutcome{DeliveryResult::delivered, 202, ""};
  };
  std::ostringstream out;
  Agent agent(fast_options(temp / "spool"), world.deps(), open_spool(temp / "spool"), out);
  world.on_round = [&](const std::string&) {
    std::lock_guard lock(world.mutex);
    if (world.delivered.size() >= 5) agent.request_stop();
  };
  REQUIRE(agent.run() == 0);
  std::lock_guard lock(world.mutex);
  REQUIRE(world.delivered.size() >= 5);
  // Delivered in the order produced, none twice; the rest still waits in the spool.
  for (std::size_t i = 0; i < world.delivered.size(); ++i)
    REQUIRE(world.delivered[i] == world.produced[i]);
  REQUIRE(files_in(temp / "spool") == world.produced.size() - world.delivered.size());
  const auto metrics = agent.answer_http("GET", "/metrics").body;
  REQUIRE(metrics.find("capprobe_agent_deliveries_total{result=\"failed\"} 8\n") !=
          std::string::npos);
}

TEST_CASE("stopping during a round keeps its report in the spool and exits 0") {
  TempDir temp;
  World world;
  std::ostringstream out;
  Agent agent(fast_options(temp / "spool"), world.deps(), open_spool(temp / "spool"), out);
  // The stop arrives while the round is still running (it is asked from inside the round).
  world.on_round = [&](const std::string&) { agent.request_stop(); };
  REQUIRE(agent.run() == 0);
  REQUIRE(world.posted.empty());
  REQUIRE(files_in(temp / "spool") == 1);
}

TEST_CASE("/metrics carries the latest report and the agent series, /healthz answers") {
  TempDir temp;
  World world;
  std::ostringstream out;
  auto options = fast_options(temp / "spool");
  options.once = true;
  Agent agent(options, world.deps(), open_spool(temp / "spool"), out);
  REQUIRE(agent.answer_http("GET", "/metrics").body.find("capprobe_capability_status") ==
          std::string::npos);  // no report yet
  REQUIRE(agent.run() == 0);
  const auto metrics = agent.answer_http("GET", "/metrics?x=1");
  REQUIRE(metrics.status == 200);
  REQUIRE(metrics.content_type.find("version=0.0.4") != std::string::npos);
  REQUIRE(metrics.body.find("capprobe_capability_status{node=\"node-a\"") != std::string::npos);
  REQUIRE(metrics.body.find("capprobe_agent_deliveries_total{result=\"ok\"} 1\n") !=
          std::string::npos);
  REQUIRE(metrics.body.find("capprobe_agent_last_delivery_timestamp_seconds ") !=
          std::string::npos);
  REQUIRE(agent.answer_http("GET", "/healthz").status == 200);
  REQUIRE(agent.answer_http("GET", "/other").status == 404);
  REQUIRE(agent.answer_http("POST", "/metrics").status == 405);
}
