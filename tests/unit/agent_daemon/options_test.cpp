// The `capprobe agent` flags: defaults, every flag's rule, and the one-line usage errors.
#include <catch2/catch.hpp>

#include "agent/daemon/options.hpp"

using namespace capprobe::agent::daemon;
using capprobe::probes::Probe;

namespace {

std::vector<Probe> catalog() {
  std::vector<Probe> probes(2);
  probes[0].info.id = "fs.symlink";
  probes[1].info.id = "host.pid";
  return probes;
}

AgentOptions parse_ok(std::vector<std::string> args) {
  const auto parsed = parse_agent_args(args, catalog());
  if (const auto* error = std::get_if<AgentUsageError>(&parsed)) FAIL(error->message);
  REQUIRE(std::holds_alternative<AgentOptions>(parsed));
  return std::get<AgentOptions>(parsed);
}

std::string parse_error(std::vector<std::string> args) {
  const auto parsed = parse_agent_args(args, catalog());
  REQUIRE(std::holds_alternative<AgentUsageError>(parsed));
  return std::get<AgentUsageError>(parsed).message;
}

}  // namespace

TEST_CASE("agent defaults") {
  const auto options = parse_ok({"--collector", "http://collector:8080/"});
  REQUIRE(options.collector == "http://collector:8080");
  REQUIRE(options.interval == std::chrono::minutes(10));
  REQUIRE(options.spool_dir == "/var/lib/capprobe/spool");
  REQUIRE(options.spool_max_reports == 500);
  REQUIRE_FALSE(options.once);
  REQUIRE_FALSE(options.listen);
  REQUIRE_FALSE(options.token_file);
  REQUIRE_FALSE(options.selection.quick);
  REQUIRE(options.backoff.max == std::chrono::minutes(5));
  REQUIRE(options.connect_timeout < options.timeout);
  REQUIRE_FALSE(options.container);
}

TEST_CASE("the agent's help offers --container and CAPPROBE_CONTAINER, not CONTAINER_NAME") {
  const auto help = agent_help();
  REQUIRE_THAT(help, Catch::Contains("--container NAME") && Catch::Contains("CAPPROBE_CONTAINER"));
  REQUIRE_THAT(help, !Catch::Contains("CONTAINER_NAME "));
  REQUIRE_THAT(parse_error({"--collector", "http://c", "--container", "a", "--container", "b"}),
               Catch::Contains("--container is given twice"));
  REQUIRE_THAT(parse_error({"--collector", "http://c", "--container="}),
               Catch::Contains("--container needs a container name"));
}

TEST_CASE("every agent flag lands in its option") {
  const auto options = parse_ok({"--collector=https://c.example/prefix",
                                 "--interval",
                                 "1h30m",
                                 "--token-file",
                                 "/t",
                                 "--ca-file",
                                 "/ca.pem",
                                 "--spool-dir",
                                 "/s",
                                 "--spool-max-reports",
                                 "7",
                                 "--spool-max-bytes",
                                 "2Mi",
                                 "--listen",
                                 "127.0.0.1:9101",
                                 "--nfd-file",
                                 "/nfd",
                                 "--pod-spec",
                                 "/pod.json",
                                 "--container",
                                 "probe",
                                 "--once",
                                 "--only",
                                 "fs.symlink",
                                 "--skip",
                                 "host.pid",
                                 "--quick",
                                 "--connect-timeout",
                                 "2s",
                                 "--timeout",
                                 "9s",
                                 "--retry-max",
                                 "1s"});
  REQUIRE(options.collector == "https://c.example/prefix");
  REQUIRE(options.interval == std::chrono::minutes(90));
  REQUIRE(options.token_file == "/t");
  REQUIRE(options.ca_file == "/ca.pem");
  REQUIRE(options.spool_dir == "/s");
  REQUIRE(options.spool_max_reports == 7);
  REQUIRE(options.spool_max_bytes == 2u << 20);
  REQUIRE(options.listen->host == "127.0.0.1");
  REQUIRE(options.listen->port == 9101);
  REQUIRE(options.nfd_file == "/nfd");
  REQUIRE(options.pod_spec == "/pod.json");
  REQUIRE(options.container == "probe");
  REQUIRE(options.once);
  REQUIRE(options.selection.only == std::set<std::string>{"fs.symlink"});
  REQUIRE(options.selection.skip == std::set<std::string>{"host.pid"});
  REQUIRE(options.selection.quick);
  REQUIRE(options.connect_timeout == std::chrono::seconds(2));
  REQUIRE(options.timeout == std::chrono::seconds(9));
  REQUIRE(options.backoff.max == std::chrono::seconds(1));
  REQUIRE(options.backoff.initial == std::chrono::seconds(1));  // capped by --retry-max
}

TEST_CASE("agent usage errors are one line naming the problem") {
  const std::pair<std::vector<std::string>, std::string> cases[] = {
      {{}, "--collector URL is required"},
      {{"--interval", "10m"}, "--collector URL is required"},
      {{"--collector", "collector:8080"}, "must start with http:// or https://"},
      {{"--collector", "ftp://x"}, "must start with http:// or https://"},
      {{"--collector", "http://"}, "has no host"},
      {{"--collector", "http://c/?x=1"}, "plain base URL"},
      {{"--collector", "http://c", "--interval", "10"}, "is not a duration"},
      {{"--collector", "http://c", "--interval", "500ms"}, "at least 1s"},
      {{"--collector", "http://c", "--interval"}, "--interval needs a value"},
      {{"--collector", "http://c", "--interval", "--once"}, "--interval needs a value"},
      {{"--collector", "http://c", "--once=yes"}, "--once takes no value"},
      {{"--collector", "http://c", "--bogus"}, "unknown flag '--bogus'"},
      {{"--collector", "http://c", "extra"}, "unexpected argument 'extra'"},
      {{"--collector", "http://c", "--collector", "http://d"}, "--collector is given twice"},
      {{"--collector", "http://c", "--listen", "9101"}, "--listen '9101'"},
      {{"--collector", "http://c", "--listen", "localhost:9101"}, "--listen 'localhost:9101'"},
      {{"--collector", "http://c", "--listen", "127.0.0.1:0"}, "--listen"},
      {{"--collector", "http://c", "--spool-max-reports", "0"}, "--spool-max-reports '0'"},
      {{"--collector", "http://c", "--spool-max-bytes", "12"}, "at least 1Ki"},
      {{"--collector", "http://c", "--only", "nope.id"}, "unknown capability id 'nope.id'"},
      {{"--collector", "http://c", "--only", ","}, "needs at least one capability id"},
      {{"--collector", "http://c", "--only", "host.pid", "--skip", "host.pid"},
       "'host.pid' is in both --only and --skip"},
      {{"--collector", "http://c", "--connect-timeout", "30s", "--timeout", "5s"},
       "--connect-timeout is longer than --timeout"},
      {{"--collector", "http://c", "--token-file="}, "--token-file needs a file name"},
  };
  for (const auto& [args, expected] : cases) {
    const auto message = parse_error(args);
    INFO(message);
    REQUIRE(message.rfind("capprobe: ", 0) == 0);
    REQUIRE(message.find(expected) != std::string::npos);
    REQUIRE(message.find('\n') == std::string::npos);
  }
}

TEST_CASE("help wins over everything else and lists every flag") {
  const auto parsed = parse_agent_args({"--bogus", "--help"}, catalog());
  REQUIRE(std::holds_alternative<AgentHelp>(parsed));
  const auto& text = std::get<AgentHelp>(parsed).text;
  for (const char* flag :
       {"--collector", "--interval", "--token-file", "--spool-dir", "--listen", "--nfd-file",
        "--once", "--ca-file", "--only", "--skip", "--quick", "--pod-spec", "--retry-max"})
    REQUIRE(text.find(flag) != std::string::npos);
  REQUIRE(std::holds_alternative<AgentHelp>(
      parse_agent_args({"--collector", "http://c", "-h"}, catalog())));
}

TEST_CASE("repeated --only and --skip accumulate over repeated flags") {
  const auto options =
      parse_ok({"--collector", "http://c", "--only", "fs.symlink", "--only", "host.pid"});
  REQUIRE(options.selection.only == std::set<std::string>{"fs.symlink", "host.pid"});
}

TEST_CASE("listen addresses") {
  REQUIRE(parse_listen_address("127.0.0.1:9101")->host == "127.0.0.1");
  REQUIRE(parse_listen_address(":9101")->host == "0.0.0.0");
  REQUIRE(parse_listen_address("[::1]:9101")->host == "::1");
  REQUIRE(parse_listen_address("[::]:80")->port == 80);
  for (const char* bad : {"", ":", "127.0.0.1", "127.0.0.1:", "127.0.0.1:65536", "1.2.3:80",
                          "256.1.1.1:80", "::1:80", "[]:80", "[zz]:80", "host:80", "1.2.3.4:8x"}) {
    INFO(bad);
    REQUIRE_FALSE(parse_listen_address(bad));
  }
}

TEST_CASE("the agent's own-pod lookup: on by default, --no-pod-lookup, --service-account-dir") {
  auto options = parse_ok({"--collector", "http://c"});
  CHECK(options.pod_lookup.enabled);
  CHECK_FALSE(options.pod_lookup.service_account_dir);
  options =
      parse_ok({"--collector", "http://c", "--no-pod-lookup", "--service-account-dir", "/sa"});
  CHECK_FALSE(options.pod_lookup.enabled);
  CHECK(options.pod_lookup.service_account_dir == "/sa");
  CHECK_THAT(parse_error({"--collector", "http://c", "--service-account-dir="}),
             Catch::Contains("--service-account-dir needs a directory"));
  CHECK_THAT(parse_error({"--collector", "http://c", "--no-pod-lookup=1"}),
             Catch::Contains("--no-pod-lookup takes no value"));
  CHECK_THAT(agent_help(), Catch::Contains("--no-pod-lookup") &&
                               Catch::Contains("--service-account-dir DIR") &&
                               Catch::Contains("KUBERNETES_SERVICE_HOST"));
}
