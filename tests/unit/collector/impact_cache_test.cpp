// The collector's impact cache: each report is read and summarised once per Kubernetes version,
// a changed subject costs one read, and the fleet's test entries are kept once however many
// subjects predict them.
#include <catch2/catch.hpp>

#include <fstream>
#include <map>
#include <sstream>

#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include "collector/fleet_impact.hpp"
#include "collector/impact_cache.hpp"
#include "impact/catalog.hpp"

using namespace capprobe::collector;

namespace {

std::string fixture_text(const std::string& name) {
  std::ifstream in(std::string(CAPPROBE_FIXTURES) + "/impact/" + name + ".json");
  std::stringstream text;
  text << in.rdbuf();
  REQUIRE(!text.str().empty());
  return text.str();
}

// Reports by id, counting each read of one.
class CountingReader : public StoreReader {
 public:
  std::map<std::string, std::string> bodies;
  int reads = 0;

  std::optional<StoredReport> report(const std::string& id) override {
    ++reads;
    const auto found = bodies.find(id);
    if (found == bodies.end()) return std::nullopt;
    return StoredReport{found->second, 0};
  }
  std::vector<HistoryEntry> history(const std::optional<std::string>&, int) override { return {}; }
  std::vector<LatestReport> latest_of_node(const std::string&) override { return {}; }
  std::int64_t database_bytes() override { return 0; }
};

std::shared_ptr<spdlog::logger> quiet_log() {
  return std::make_shared<spdlog::logger>("impact-cache-test",
                                          std::make_shared<spdlog::sinks::null_sink_mt>());
}

// `kind`'s fixture report as another node's.
std::string on_node(const std::string& kind, const std::string& node) {
  auto report = nlohmann::json::parse(fixture_text(kind));
  report["subject"]["node"] = node;
  return report.dump();
}

}  // namespace

TEST_CASE("the impact cache reads each report once and then only what changed") {
  CountingReader reader;
  for (int i = 0; i < 20; ++i)
    reader.bodies["r" + std::to_string(i)] = on_node("runc-pod-ignored", "n" + std::to_string(i));
  std::vector<std::string> ids;
  for (int i = 0; i < 20; ++i) ids.push_back("r" + std::to_string(i));
  const auto& mapping = *capprobe::impact::mapping_for("1.30");
  const auto log = quiet_log();
  ImpactCache cache;

  const auto first = fleet_impact(cache.summaries(ids, mapping, reader, *log), "1.30");
  CHECK(reader.reads == 20);
  const auto again = fleet_impact(cache.summaries(ids, mapping, reader, *log), "1.30");
  CHECK(reader.reads == 20);  // nothing changed, nothing read
  CHECK(again == first);

  // One subject's new report: one read, and the answer is what summarising all anew gives.
  reader.bodies["r5-new"] = on_node("kata-guest", "n5");
  ids[5] = "r5-new";
  const auto changed = fleet_impact(cache.summaries(ids, mapping, reader, *log), "1.30");
  CHECK(reader.reads == 21);
  std::vector<capprobe::agent::Report> whole;
  for (const auto& id : ids)
    whole.push_back(capprobe::agent::report_from_json(nlohmann::json::parse(reader.bodies[id])));
  CHECK(changed == fleet_impact(whole, mapping));
  CHECK(changed != first);

  // Another version summarises on its own; a report gone from the store is left out.
  cache.summaries(ids, *capprobe::impact::mapping_for("1.21"), reader, *log);
  CHECK(reader.reads == 41);
  ids.push_back("gone");
  CHECK(cache.summaries(ids, mapping, reader, *log).size() == 20);
  CHECK(cache.reports_read() == 42);
}

TEST_CASE("subjects that predict the same tests share one copy of each entry") {
  const auto& mapping = *capprobe::impact::mapping_for("1.30");
  TestEntries entries;
  const auto a = report_impact(
      capprobe::agent::report_from_json(nlohmann::json::parse(on_node("vsphere-pod", "a"))),
      mapping, entries);
  const auto b = report_impact(
      capprobe::agent::report_from_json(nlohmann::json::parse(on_node("vsphere-pod", "b"))),
      mapping, entries);
  REQUIRE(!a.tests.empty());
  REQUIRE(a.tests.size() == b.tests.size());
  for (std::size_t i = 0; i < a.tests.size(); ++i) CHECK(a.tests[i].get() == b.tests[i].get());
  REQUIRE(a.unknown.size() == b.unknown.size());
  for (std::size_t i = 0; i < a.unknown.size(); ++i)
    CHECK(a.unknown[i].get() == b.unknown[i].get());
  CHECK(a.tests[0]->contains("name"));
  CHECK_FALSE(a.tests[0]->contains("rule"));  // the fleet view leaves the rule out
}
