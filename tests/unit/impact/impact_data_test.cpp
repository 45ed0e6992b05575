// The mapping data compiled into capprobe: every test name it uses exists in that Kubernetes
// version's e2e list, and the skip regex matches exactly the predicted names of that list.
#include <catch2/catch.hpp>

#include <regex>
#include <set>

#include "impact/catalog.hpp"
#include "impact/skip_regex.hpp"
#include "tests/unit/impact/impact_test_support.hpp"

namespace {

using namespace capprobe;
using namespace capprobe::impact::testing;

std::set<std::string> matching(const std::string& pattern, const std::vector<std::string>& names) {
  const std::regex regex(pattern, std::regex::ECMAScript);
  std::set<std::string> matched;
  for (const auto& name : names)
    if (std::regex_search(name, regex)) matched.insert(name);
  return matched;
}

}  // namespace

TEST_CASE("the data maps Kubernetes 1.21 and 1.30, and 1.30 is the default", "[impact][data]") {
  CHECK(impact::supported_versions() == std::vector<std::string>{"1.21", "1.30"});
  CHECK(impact::newest_version() == "1.30");
  CHECK(impact::mapping_for("1.22") == nullptr);
}

TEST_CASE("every mapped test name exists in its version's e2e test list", "[impact][data]") {
  for (const auto& version : impact::supported_versions()) {
    DYNAMIC_SECTION("Kubernetes " << version) {
      const auto& mapping = *impact::mapping_for(version);
      CHECK(mapping.test_list_file == "impact/data/lists/k8s-" + version + "-e2e-tests.txt");
      CHECK_FALSE(mapping.test_list_source.empty());
      const auto list = test_list(mapping.test_list_file);
      const std::set<std::string> known(list.begin(), list.end());
      REQUIRE(known.size() > 5000);
      std::size_t mapped = 0;
      for (const auto& rule : mapping.rules) {
        CHECK_FALSE(rule.reason.empty());
        CHECK_FALSE(rule.e2e_file.empty());
        for (const auto& name : rule.tests) {
          INFO(version << " rule " << rule.id << ": " << name);
          CHECK(known.count(name) == 1);
          ++mapped;
        }
      }
      CHECK(mapped > 90);
    }
  }
}

TEST_CASE("documented rules name their source and an isolation flavor", "[impact][data]") {
  for (const auto& version : impact::supported_versions())
    for (const auto& rule : impact::mapping_for(version)->rules)
      if (rule.documented) {
        INFO(version << " rule " << rule.id);
        CHECK_FALSE(rule.documented->flavors.empty());
        CHECK(rule.documented->source.find('/') != std::string::npos);
      }
}

TEST_CASE("the skip regex matches exactly the predicted names of the version's list",
          "[impact][regex]") {
  for (const auto& version : impact::supported_versions()) {
    const auto& mapping = *impact::mapping_for(version);
    const auto list = test_list(mapping.test_list_file);
    for (const auto& fixture : fixture_names()) {
      DYNAMIC_SECTION(fixture << " against Kubernetes " << version) {
        const auto impact = impact::predict(fixture_report(fixture), mapping);
        if (impact.tests.empty()) {
          CHECK(impact.skip_regex.empty());
        } else {
          CHECK(matching(impact.skip_regex, list) == predicted_names(impact));
        }
      }
    }
  }
}

TEST_CASE("a skip regex of every mapped name matches exactly those names", "[impact][regex]") {
  for (const auto& version : impact::supported_versions()) {
    DYNAMIC_SECTION("Kubernetes " << version) {
      const auto& mapping = *impact::mapping_for(version);
      std::vector<std::string> names;
      std::set<std::string> unique;
      for (const auto& rule : mapping.rules)
        for (const auto& name : rule.tests)
          if (unique.insert(name).second) names.push_back(name);
      CHECK(matching(impact::skip_regex(names), test_list(mapping.test_list_file)) == unique);
    }
  }
}

TEST_CASE("escape_regex leaves no metacharacter live", "[impact][regex]") {
  const std::string name = R"([sig-x] a.b (c)|d* e+ f? {g} ^h$ \i [Conformance])";
  const auto escaped = impact::escape_regex(name);
  CHECK(escaped == R"(\[sig-x\] a\.b \(c\)\|d\* e\+ f\? \{g\} \^h\$ \\i \[Conformance\])");
  CHECK(std::regex_match(name, std::regex(escaped, std::regex::ECMAScript)));
  CHECK_FALSE(std::regex_search("[sig-x] aXb (c)|d* e+ f? {g} ^h$ \\i [Conformance]",
                                std::regex(escaped, std::regex::ECMAScript)));
  CHECK(impact::skip_regex({}).empty());
  CHECK(impact::skip_regex({"a.b", "c"}) == R"(a\.b|c)");
}
