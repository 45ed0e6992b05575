// Request-target parsing and percent encoding.
#include <catch2/catch.hpp>

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
