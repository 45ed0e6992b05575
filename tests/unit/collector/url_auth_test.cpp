// Request-target parsing and bearer-token checks.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "collector/auth.hpp"
#include "collector/url.hpp"

using namespace capprobe::collector;

TEST_CASE("targets split into decoded segments and query parameters") {
  const auto target = parse_target("/api/v1/nodes/worker%2F3%20a?node=a+b&limit=5&flag&x=%41");
  REQUIRE(target);
  CHECK(target->segments == std::vector<std::string>{"api", "v1", "nodes", "worker/3 a"});
  CHECK(target->query.at("node") == "a b");
  CHECK(target->query.at("limit") == "5");
  CHECK(target->query.at("flag").empty());
  CHECK(target->query.at("x") == "A");
  CHECK(parse_target("/")->segments.empty());
  CHECK(parse_target("//api///v1/")->segments == std::vector<std::string>{"api", "v1"});
}

TEST_CASE("malformed targets are refused") {
  for (const char* bad : {"", "api/v1", "http://host/api", "/a%2", "/a%zz", "/a?x=%g0"}) {
    INFO(bad);
    CHECK_FALSE(parse_target(bad));
  }
}

TEST_CASE("percent encoding keeps unreserved characters and round-trips") {
  CHECK(percent_encode("node-1.a_b~") == "node-1.a_b~");
  CHECK(percent_encode("a b/<c>") == "a%20b%2F%3Cc%3E");
  const std::string odd = "x\"'&<>/?#%\xC3\xA9";
  CHECK(percent_decode(percent_encode(odd), false) == odd);
}

TEST_CASE("without a token every write is allowed") {
  const TokenCheck open;
  CHECK_FALSE(open.enabled());
  CHECK(open.allows(""));
  CHECK(open.allows("Bearer anything"));
}

TEST_CASE("with a token only the exact bearer token is allowed") {
  const TokenCheck check("s3cret-token");
  CHECK(check.enabled());
  CHECK(check.allows("Bearer s3cret-token"));
  CHECK(check.allows("bearer s3cret-token"));  // the scheme is case-insensitive
  CHECK(check.allows("Bearer s3cret-token  "));
  for (const char* bad :
       {"", "Bearer", "Bearer ", "Bearer s3cret", "Bearer s3cret-token2", "Bearer S3CRET-TOKEN",
        "Basic s3cret-token", "s3cret-token", "Bearers3cret-token"}) {
    INFO(bad);
    CHECK_FALSE(check.allows(bad));
  }
}

TEST_CASE("constant_time_equal compares whole strings") {
  CHECK(constant_time_equal("abc", "abc"));
  CHECK_FALSE(constant_time_equal("abc", "abd"));
  CHECK_FALSE(constant_time_equal("abc", "ab"));
  CHECK_FALSE(constant_time_equal("abc", "abcabc"));  // the repeated expected value must not match
  CHECK_FALSE(constant_time_equal("", "x"));
  CHECK(constant_time_equal("", ""));
}

TEST_CASE("the token file is trimmed and a missing or empty one stops the start") {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("capprobe-token-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto path = (dir / "token").string();
  { std::ofstream(path) << "  tok-123\n"; }
  CHECK(TokenCheck::from_file(path).allows("Bearer tok-123"));
  { std::ofstream(path) << "\n \n"; }
  CHECK_THROWS_WITH(TokenCheck::from_file(path), Catch::Contains("is empty"));
  CHECK_THROWS_WITH(TokenCheck::from_file((dir / "absent").string()),
                    Catch::Contains("cannot read token file"));
  std::filesystem::remove_all(dir);
}
