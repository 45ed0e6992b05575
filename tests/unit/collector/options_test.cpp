// Flag parsing of `capprobe collector`: defaults, every flag, and one-line usage errors.
#include <catch2/catch.hpp>

#include "collector/options.hpp"

using namespace capprobe::collector;

namespace {

CollectorOptions parse_ok(const std::vector<std::string>& args) {
  const auto parsed = parse_collector_args(args);
  if (const auto* error = std::get_if<UsageError>(&parsed)) FAIL(error->message);
  REQUIRE(std::holds_alternative<CollectorOptions>(parsed));
  return std::get<CollectorOptions>(parsed);
}

std::string parse_error(const std::vector<std::string>& args) {
  const auto parsed = parse_collector_args(args);
  REQUIRE(std::holds_alternative<UsageError>(parsed));
  return std::get<UsageError>(parsed).message;
}

}  // namespace

TEST_CASE("the listen address is required and the rest has defaults") {
  CHECK_THAT(parse_error({}), Catch::Contains("--listen ADDR is required"));
  const auto options = parse_ok({"--listen", "127.0.0.1:8080", "--public-read"});
  CHECK(options.listen.host == "127.0.0.1");
  CHECK(options.listen.port == 8080);
  CHECK(options.db_path == "capprobe-collector.db");
  CHECK_FALSE(options.token_file);
  CHECK_FALSE(options.read_token_file);
  CHECK_FALSE(options.tls_cert);
  CHECK_FALSE(options.tls_key);
  CHECK(options.retention.keep_per_subject == 20);
  CHECK(options.retention.max_age == std::chrono::hours(24 * 30));
  CHECK(options.stale_after == std::chrono::hours(1));
  CHECK(options.max_body_bytes == 1024 * 1024);
}

TEST_CASE("every flag is read, in both --flag value and --flag=value forms") {
  const auto options =
      parse_ok({"--listen=[::1]:9000", "--db", "/var/lib/c.db", "--token-file=/etc/token", "--keep",
                "5", "--max-age", "7d", "--stale-after=0", "--max-body", "512k",
                "--max-connections", "64", "--read-timeout", "750ms", "--threads", "3"});
  CHECK(options.listen.host == "::1");
  CHECK(options.listen.port == 9000);
  CHECK(options.db_path == "/var/lib/c.db");
  CHECK(options.token_file == "/etc/token");
  CHECK(options.retention.keep_per_subject == 5);
  CHECK(options.retention.max_age == std::chrono::hours(24 * 7));
  CHECK(options.stale_after == std::chrono::seconds(0));
  CHECK(options.max_body_bytes == 512 * 1024);
  CHECK(options.max_connections == 64);
  CHECK(options.read_timeout == std::chrono::milliseconds(750));
  CHECK(options.threads == 3);
  const auto secure = parse_ok({"--listen", ":443", "--read-token-file", "/etc/read-token",
                                "--tls-cert=/tls/tls.crt", "--tls-key", "/tls/tls.key"});
  CHECK(secure.read_token_file == "/etc/read-token");
  CHECK_FALSE(secure.token_file);
  CHECK_FALSE(secure.public_read);
  CHECK(secure.tls_cert == "/tls/tls.crt");
  CHECK(secure.tls_key == "/tls/tls.key");
  CHECK(parse_ok({"--listen", ":1", "--token-file", "t", "--public-read"}).public_read);
}

TEST_CASE("credential and TLS flags that cannot go together") {
  // No token and no --public-read: reads would need a credential nobody can have.
  CHECK_THAT(parse_error({"--listen", ":1"}),
             Catch::Contains("needs a credential") && Catch::Contains("--public-read"));
  CHECK(parse_ok({"--listen", ":1", "--token-file", "t"}).token_file == "t");
  CHECK(parse_ok({"--listen", ":1", "--read-token-file", "r"}).read_token_file == "r");
  CHECK_THAT(parse_error({"--listen", ":1", "--read-token-file", "r", "--public-read"}),
             Catch::Contains("contradict"));
  CHECK_THAT(parse_error({"--listen", ":1", "--public-read=yes"}),
             Catch::Contains("--public-read takes no value"));
  CHECK_THAT(parse_error({"--listen", ":1", "--public-read", "--tls-cert", "c"}),
             Catch::Contains("--tls-cert and --tls-key go together"));
  CHECK_THAT(parse_error({"--listen", ":1", "--public-read", "--tls-key", "k"}),
             Catch::Contains("--tls-cert and --tls-key go together"));
  CHECK_THAT(parse_error({"--listen", ":1", "--public-read", "--tls-cert"}),
             Catch::Contains("--tls-cert needs a file path"));
}

TEST_CASE("the database may be named by --db-file, and not together with --db") {
  const auto options = parse_ok({"--listen", ":1", "--public-read", "--db-file", "/etc/db/url"});
  CHECK(options.db_file == "/etc/db/url");
  CHECK_FALSE(parse_ok({"--listen", ":1", "--public-read"}).db_file);
  CHECK_THAT(parse_error({"--listen", ":1", "--public-read", "--db", "x.db", "--db-file", "f"}),
             Catch::Contains("--db and --db-file contradict each other"));
  CHECK_THAT(parse_error({"--listen", ":1", "--db-file"}),
             Catch::Contains("--db-file needs a file path"));
}

TEST_CASE("collector --help wins over everything else") {
  CHECK(std::holds_alternative<HelpRequested>(parse_collector_args({"--bogus", "--help"})));
  CHECK(std::holds_alternative<HelpRequested>(parse_collector_args({"--help"})));
  CHECK(std::holds_alternative<HelpRequested>(parse_collector_args({"--listen", ":1", "-h"})));
}

TEST_CASE("usage errors name the flag in one line") {
  struct Case {
    std::vector<std::string> args;
    const char* expected;
  };
  const std::vector<Case> cases{
      {{"--listen"}, "--listen needs an address"},
      {{"--listen", "8080"}, "not a HOST:PORT address"},
      {{"--listen", "::1:8080"}, "not a HOST:PORT address"},
      {{"--listen", "127.0.0.1:99999"}, "not a HOST:PORT address"},
      {{"--listen", ":1", "--keep", "0"}, "--keep needs a count"},
      {{"--listen", ":1", "--max-age", "3 days"}, "--max-age needs a duration"},
      {{"--listen", ":1", "--read-timeout", "0"}, "--read-timeout needs a duration above 0"},
      {{"--listen", ":1", "--max-body", "0"}, "--max-body needs a size"},
      {{"--listen", ":1", "--threads", "-2"}, "--threads needs a count"},
      {{"--listen", ":1", "--db"}, "--db needs a file path"},
      {{"--listen", ":1", "extra"}, "unknown argument 'extra'"},
  };
  for (const auto& c : cases) {
    INFO(c.args.back());
    const auto message = parse_error(c.args);
    CHECK_THAT(message, Catch::Contains(c.expected));
    CHECK(message.find('\n') == std::string::npos);
  }
}

TEST_CASE("listen addresses: empty host means all IPv4 interfaces, IPv6 needs brackets") {
  CHECK(parse_listen_address(":8080")->host == "0.0.0.0");
  CHECK(parse_listen_address("[::]:80")->host == "::");
  CHECK(parse_listen_address("localhost:0")->port == 0);
  CHECK_FALSE(parse_listen_address("localhost"));
  CHECK_FALSE(parse_listen_address("host:http"));
}

TEST_CASE("durations and sizes") {
  CHECK(parse_duration("0") == std::chrono::milliseconds(0));
  CHECK(parse_duration("250ms") == std::chrono::milliseconds(250));
  CHECK(parse_duration("10s") == std::chrono::seconds(10));
  CHECK(parse_duration("5m") == std::chrono::minutes(5));
  CHECK(parse_duration("2h") == std::chrono::hours(2));
  CHECK(parse_duration("30d") == std::chrono::hours(720));
  for (const char* bad : {"", "s", "10", "-5s", "1.5h", "10 s", "99999999999999999999d"}) {
    INFO(bad);
    CHECK_FALSE(parse_duration(bad));
  }
  CHECK(parse_size("1048576") == 1048576u);
  CHECK(parse_size("2k") == 2048u);
  CHECK(parse_size("3M") == 3u * 1024 * 1024);
  for (const char* bad : {"", "0", "k", "-1", "1g", "1.5m"}) {
    INFO(bad);
    CHECK_FALSE(parse_size(bad));
  }
}
