// The lab's expectation matcher, table by table: what holds, what fails, what is malformed.
#include <catch2/catch.hpp>

#include "tests/lab/harness/expect.hpp"

namespace capprobe::lab {
namespace {

bool holds(const char* expected, const char* actual) {
  const auto e = json::parse(expected);
  const auto a = json::parse(actual);
  const auto checks = match(e, &a, "");
  REQUIRE_FALSE(checks.empty());
  for (const auto& check : checks)
    if (!check.passed) return false;
  return true;
}

TEST_CASE("plain values compare for equality, numbers numerically") {
  CHECK(holds(R"("isolated")", R"("isolated")"));
  CHECK_FALSE(holds(R"("isolated")", R"("shared")"));
  CHECK(holds("1", "1.0"));
  CHECK_FALSE(holds("1", "\"1\""));
  CHECK(holds("null", "null"));
  CHECK_FALSE(holds("null", "false"));
}

TEST_CASE("plain objects match partially, but every given key must be there") {
  CHECK(holds(R"({"a": 1})", R"({"a": 1, "b": 2})"));
  CHECK_FALSE(holds(R"({"a": 1, "c": 3})", R"({"a": 1, "b": 2})"));
  CHECK(holds(R"({"e": {"x": [1, 2]}})", R"({"e": {"x": [1, 2], "y": 0}})"));
  CHECK_FALSE(holds(R"({"e": {"x": [1, 2]}})", R"({"e": {"x": [2, 1]}})"));
  CHECK_FALSE(holds(R"({"a": 1})", "[1]"));
}

TEST_CASE("plain arrays match element by element with the same length") {
  CHECK(holds("[1, {\"a\": 2}]", "[1, {\"a\": 2, \"b\": 3}]"));
  CHECK_FALSE(holds("[1]", "[1, 2]"));
}

TEST_CASE("numeric operators") {
  CHECK(holds(R"({"$near": 0.5, "$tol": 0.1})", "0.58"));
  CHECK_FALSE(holds(R"({"$near": 0.5, "$tol": 0.1})", "0.62"));
  CHECK_FALSE(holds(R"({"$near": 0.5, "$tol": 0.1})", "null"));
  CHECK(holds(R"({"$range": [10, 20]})", "10"));
  CHECK_FALSE(holds(R"({"$range": [10, 20]})", "20.5"));
}

TEST_CASE("membership operators") {
  CHECK(holds(R"({"$contains": {"path": "/x"}})", R"([{"path": "/y"}, {"path": "/x", "k": 1}])"));
  CHECK_FALSE(holds(R"({"$contains": {"path": "/z"}})", R"([{"path": "/y"}])"));
  CHECK(holds(R"({"$excludes": "CAP_SYS_ADMIN"})", R"(["CAP_CHOWN"])"));
  CHECK_FALSE(holds(R"({"$excludes": "CAP_CHOWN"})", R"(["CAP_CHOWN"])"));
  CHECK(holds(R"({"$contains_all": ["a", "b"]})", R"(["b", "c", "a"])"));
  CHECK_FALSE(holds(R"({"$contains_all": ["a", "a"]})", R"(["a"])"));
  CHECK(holds(R"({"$set": ["a", "b"]})", R"(["b", "a"])"));
  CHECK_FALSE(holds(R"({"$set": ["a", "b"]})", R"(["b", "a", "c"])"));
  CHECK(holds(R"({"$one_of": ["kvm", "tcg"]})", R"("tcg")"));
  CHECK_FALSE(holds(R"({"$one_of": ["kvm", "tcg"]})", R"("xen")"));
  CHECK_FALSE(holds(R"({"$contains": 1})", R"("not an array")"));
}

TEST_CASE("shape operators and their combinations") {
  CHECK(holds(R"({"$regex": "^pid:\\[[0-9]+\\]$"})", R"("pid:[4026531836]")"));
  CHECK_FALSE(holds(R"({"$regex": "^pid:"})", R"("net:[1]")"));
  CHECK(holds(R"({"$type": "number"})", "3"));
  CHECK_FALSE(holds(R"({"$type": "string"})", "3"));
  CHECK(holds(R"({"$len": 2})", "[0, 0]"));
  CHECK(holds(R"({"$not": "shared"})", R"("isolated")"));
  CHECK_FALSE(holds(R"({"$not": "shared"})", R"("shared")"));
  CHECK(holds(R"({"$all": [{"$len": 2}, {"$contains": 1}]})", "[1, 2]"));
  CHECK_FALSE(holds(R"({"$all": [{"$len": 2}, {"$contains": 3}]})", "[1, 2]"));
}

TEST_CASE("absence is matched only by $absent") {
  const auto absent = json::parse(R"({"$absent": true})");
  CHECK(match(absent, nullptr, "x").at(0).passed);
  const auto present = json(1);
  CHECK_FALSE(match(absent, &present, "x").at(0).passed);
  CHECK_FALSE(match(json("a"), nullptr, "x").at(0).passed);
  CHECK(holds(R"({"b": {"$absent": true}})", R"({"a": 1})"));
}

TEST_CASE("malformed expectations are errors, not silent passes") {
  const auto value = json(1);
  CHECK_THROWS_AS(match(json::parse(R"({"$nearly": 1})"), &value, "x"), std::invalid_argument);
  CHECK_THROWS_AS(match(json::parse(R"({"$near": 1, "a": 2})"), &value, "x"),
                  std::invalid_argument);
  CHECK_THROWS_AS(match(json::parse(R"({"$tol": 1})"), &value, "x"), std::invalid_argument);
}

TEST_CASE("check paths name where a mismatch is") {
  const auto expected = json::parse(R"({"results": {"host.pid": {"observed": "isolated"}}})");
  const auto actual = json::parse(R"({"results": {"host.pid": {"observed": "shared"}}})");
  const auto checks = match(expected, &actual, "");
  REQUIRE(checks.size() == 1);
  CHECK(checks[0].path == "results.host.pid.observed");
  CHECK(checks[0].wanted == "\"isolated\"");
  CHECK(checks[0].got == "\"shared\"");
}

TEST_CASE("report_view keys the results by id") {
  const auto view = report_view(json::parse(R"({"results": [{"id": "a", "status": "ok"}]})"));
  CHECK(view["results"]["a"]["status"] == "ok");
}

TEST_CASE("placeholders are replaced, unknown ones are errors") {
  const std::map<std::string, json> vars = {{"host.pid_ns", "pid:[1]"}, {"host.cpus", 2}};
  CHECK(substitute(json::parse(R"({"a": ["ns {{host.pid_ns}}"]})"), vars) ==
        json::parse(R"({"a": ["ns pid:[1]"]})"));
  CHECK(substitute(json("{{host.cpus}}"), vars) == json(2));
  CHECK(substitute(json("{{host.cpus}} CPUs"), vars) == json("2 CPUs"));
  CHECK_THROWS_AS(substitute(json("{{host.nope}}"), vars), std::invalid_argument);
}

}  // namespace
}  // namespace capprobe::lab
