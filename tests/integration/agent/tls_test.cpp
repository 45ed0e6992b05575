// Delivery over HTTPS on loopback: the collector's certificate is verified by default, and
// --ca-file is how an agent trusts a private CA; first against the fake collector, then against
// our own collector serving HTTPS (--tls-cert/--tls-key) with a token.
#include <catch2/catch.hpp>

#include <fstream>
#include <nlohmann/json.hpp>

#include "agent_run.hpp"
#include "child_process.hpp"
#include "loopback_http.hpp"
#include "scratch.hpp"
#include "support/collector_process.hpp"
#include "support/http_client.hpp"
#include "test_pki.hpp"

using namespace capprobe::it;
using namespace std::chrono_literals;
using capprobe::testing::TestCa;
namespace collector_testing = capprobe::collector::testing;

TEST_CASE("https: an untrusted collector certificate is refused, --ca-file makes it trusted") {
  Scratch scratch("agent-tls");
  const TestCa ca(scratch.str());
  const auto issued = ca.issue("collector", "capprobe-test-collector");
  FakeCollector collector(0, TlsFiles{issued.certificate, issued.private_key});
  REQUIRE(collector.url().rfind("https://127.0.0.1:", 0) == 0);
  const std::vector<std::string> base = {CAPPROBE_AGENT_BIN, "agent",          "--collector",
                                         collector.url(),    "--once",         "--quick",
                                         "--spool-dir",      scratch / "spool"};

  // Verified by default: a private CA is not trusted, so nothing is sent.
  ChildProcess untrusted(base, loopback_only_env(), scratch.str());
  REQUIRE(untrusted.wait_exit(60s) == 0);
  INFO(untrusted.out() << untrusted.err());
  REQUIRE(untrusted.out().rfind("spooled report ", 0) == 0);
  REQUIRE(untrusted.out().find("certificate") != std::string::npos);
  REQUIRE(collector.received().empty());
  REQUIRE(collector.failed_handshakes() >= 1);

  // Trusted through --ca-file: this round's report and the one spooled above both arrive.
  auto trusted_args = base;
  trusted_args.insert(trusted_args.end(), {"--ca-file", ca.certificate()});
  ChildProcess trusted(trusted_args, loopback_only_env(), scratch.str());
  REQUIRE(trusted.wait_exit(60s) == 0);
  INFO(trusted.out() << trusted.err());
  REQUIRE(trusted.out().rfind("delivered report ", 0) == 0);
  REQUIRE(collector.stored_ids().size() == 2);
}

TEST_CASE("https: the agent delivers to our own collector over TLS with --ca-file and a token") {
  Scratch scratch("agent-tls-e2e");
  const TestCa ca(scratch.str());
  const auto pair = ca.issue("collector", "capprobe-collector");
  { std::ofstream(scratch / "token") << "fleet-token-42\n"; }
  collector_testing::CollectorProcess collector(
      scratch / "fleet.db", {"--token-file", scratch / "token", "--tls-cert", pair.certificate,
                             "--tls-key", pair.private_key});
  const auto port = collector.port();
  const std::vector<std::string> once = {
      CAPPROBE_AGENT_BIN, "agent",
      "--collector",      "https://127.0.0.1:" + std::to_string(port),
      "--once",           "--quick",
      "--spool-dir",      scratch / "spool",
      "--token-file",     scratch / "token"};
  const auto env = loopback_only_env({"NODE_NAME=tls-node-1"});

  // Without --ca-file the collector's private CA is not trusted: the report waits in the spool.
  ChildProcess untrusted(once, env, scratch.str());
  REQUIRE(untrusted.wait_exit(60s) == 0);
  INFO("agent:\n" << untrusted.out() << untrusted.err() << "\ncollector:\n" << collector.log());
  REQUIRE(untrusted.out().rfind("spooled report ", 0) == 0);

  auto trusted_args = once;
  trusted_args.insert(trusted_args.end(), {"--ca-file", ca.certificate()});
  ChildProcess trusted(trusted_args, env, scratch.str());
  REQUIRE(trusted.wait_exit(60s) == 0);
  INFO("agent:\n" << trusted.out() << trusted.err() << "\ncollector:\n" << collector.log());
  const auto id = rounds_logged(trusted).at(0);
  REQUIRE(trusted.out().rfind("delivered report " + id, 0) == 0);

  // Read back over HTTPS, the certificate verified, with the token: both reports are there.
  const collector_testing::Headers token = {{"Authorization", "Bearer fleet-token-42"}};
  const collector_testing::ClientTls verified{ca.certificate(), "", "", "", -1};
  const auto history = collector_testing::http_request(
      port, "GET", "/api/v1/reports?node=tls-node-1", "", token, 10s, verified);
  REQUIRE(history.status == 200);
  const auto reports = nlohmann::json::parse(history.body).at("reports");
  REQUIRE(reports.size() == 2);
  REQUIRE(reports.at(0).at("report_id") == id);  // newest first
  const auto report = collector_testing::http_request(port, "GET", "/api/v1/reports/" + id, "",
                                                      token, 10s, verified);
  REQUIRE(report.status == 200);
  REQUIRE(nlohmann::json::parse(report.body).at("agent").at("mode") == "agent");
}
