// What the collector's answer means for a report, the reports URL, the token file's content,
// and the agent's own metrics text.
#include <catch2/catch.hpp>

#include "agent/daemon/delivery.hpp"
#include "agent/daemon/http_delivery.hpp"
#include "agent/daemon/metrics.hpp"

using namespace capprobe::agent::daemon;

TEST_CASE("HTTP statuses classify into delivered, duplicate, rejected and retry") {
  const std::pair<long, DeliveryResult> cases[] = {
      {202, DeliveryResult::delivered}, {201, DeliveryResult::delivered},
      {200, DeliveryResult::duplicate}, {400, DeliveryResult::rejected},
      {401, DeliveryResult::retry},     {403, DeliveryResult::retry},
      {404, DeliveryResult::rejected},  {413, DeliveryResult::rejected},
      {408, DeliveryResult::retry},     {429, DeliveryResult::retry},
      {500, DeliveryResult::retry},     {502, DeliveryResult::retry},
      {503, DeliveryResult::retry},     {504, DeliveryResult::retry},
      {301, DeliveryResult::retry},     {204, DeliveryResult::retry},
      {0, DeliveryResult::retry},
  };
  for (const auto& [status, expected] : cases) {
    INFO(status);
    REQUIRE(classify_http_status(status) == expected);
  }
}

TEST_CASE("the reports URL hangs off the collector's base URL") {
  REQUIRE(reports_url("http://c:8080") == "http://c:8080/api/v1/reports");
  REQUIRE(reports_url("http://c:8080//") == "http://c:8080/api/v1/reports");
  REQUIRE(reports_url("https://gw/capprobe") == "https://gw/capprobe/api/v1/reports");
}

TEST_CASE("a token file's content becomes a header-safe token or nothing") {
  REQUIRE(token_from_file_content("s3cret\n") == "s3cret");
  REQUIRE(token_from_file_content("  s3cret \r\n") == "s3cret");
  REQUIRE_FALSE(token_from_file_content(""));
  REQUIRE_FALSE(token_from_file_content(" \n\t"));
  REQUIRE_FALSE(token_from_file_content("a\nX-Injected: 1"));  // no header injection
  REQUIRE_FALSE(token_from_file_content("two words"));
  REQUIRE_FALSE(token_from_file_content(std::string("nul\0x", 5)));
}

TEST_CASE("a delivery to a closed port is a retry with curl's reason, not a crash") {
  init_http_client();
  // Port 1 on loopback: nothing listens there on a test machine, the connect is refused.
  const DeliveryConfig config{"http://127.0.0.1:1/api/v1/reports", std::nullopt, std::nullopt,
                              Millis(500), Millis(1000)};
  const auto outcome = deliver(config, "{}");
  REQUIRE(outcome.result == DeliveryResult::retry);
  REQUIRE(outcome.http_status == 0);
  REQUIRE_FALSE(outcome.detail.empty());
}

TEST_CASE("an unreadable token file is a retry that names the file, not the token") {
  const DeliveryConfig config{"http://127.0.0.1:1/api/v1/reports", "/nonexistent/capprobe-token",
                              std::nullopt, Millis(500), Millis(1000)};
  const auto outcome = deliver(config, "{}");
  REQUIRE(outcome.result == DeliveryResult::retry);
  REQUIRE(outcome.detail.find("/nonexistent/capprobe-token") != std::string::npos);
}

TEST_CASE("agent metrics: counters, gauges, and no invented timestamps") {
  AgentMetrics metrics;
  metrics.rounds = 3;
  metrics.deliveries_ok = 2;
  metrics.deliveries_failed = 5;
  metrics.deliveries_rejected = 1;
  metrics.spool_reports = 4;
  metrics.spool_bytes = 4096;
  metrics.dropped_reports = 7;
  auto text = render_agent_metrics(metrics);
  for (const char* line :
       {"capprobe_agent_rounds_total 3\n", "capprobe_agent_deliveries_total{result=\"ok\"} 2\n",
        "capprobe_agent_deliveries_total{result=\"failed\"} 5\n",
        "capprobe_agent_deliveries_total{result=\"rejected\"} 1\n",
        "capprobe_agent_spool_reports 4\n", "capprobe_agent_spool_bytes 4096\n",
        "capprobe_agent_dropped_reports_total 7\n",
        "# TYPE capprobe_agent_deliveries_total counter\n",
        "# TYPE capprobe_agent_spool_reports gauge\n"}) {
    INFO(line);
    REQUIRE(text.find(line) != std::string::npos);
  }
  REQUIRE(text.find("last_delivery_timestamp") == std::string::npos);
  metrics.last_delivery_unix = 1700000000.5;
  text = render_agent_metrics(metrics);
  REQUIRE(text.find("capprobe_agent_last_delivery_timestamp_seconds 1700000000.5\n") !=
          std::string::npos);
}
