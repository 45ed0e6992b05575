// The matrix cache: what it serves is always what a fresh computation would give, it reuses
// work while nothing changed, and it notices changes, new axes and subjects turning stale.
#include <catch2/catch.hpp>

#include "collector/matrix_cache.hpp"
#include "random_fleet.hpp"
#include "support/text.hpp"

using namespace capprobe::collector;
using capprobe::probes::Status;

namespace {

constexpr std::int64_t kNow = 1'800'000'000'000;

SubjectState subject(const std::string& node, const std::string& pod, Status pid_status,
                     std::int64_t received_at = kNow - 1000) {
  SubjectState state;
  state.subject.node = node;
  state.subject.pod = pod;
  state.subject.os = "linux";
  state.subject.arch = "amd64";
  state.subject.environment = node.back() % 2 ? "container" : "vm_guest";
  state.key = subject_key(state.subject);
  state.report_id = node + pod;
  state.received_at_ms = received_at;
  state.started_at_ms = received_at;
  state.seq = received_at;
  state.results = {{"host.pid", pid_status, true}, {"fs.symlink", Status::supported, {}}};
  return state;
}

nlohmann::json fresh_json(const Fleet& fleet, std::int64_t now, std::chrono::seconds stale_after,
                          bool with_nodes) {
  nlohmann::json document;
  fleet.visit([&](const std::vector<const SubjectState*>& all, std::uint64_t) {
    document = to_json(compute_matrix(all, now, stale_after, true), with_nodes);
  });
  return document;
}

// What the cache serves, built independently: to_json's document with "nodes" moved last.
std::string expected_text(const Matrix& scratch, bool with_nodes) {
  auto document = to_json(scratch, with_nodes);
  if (!with_nodes) return json_text(document);
  const auto nodes = document["nodes"];
  document.erase("nodes");
  auto text = json_text(document);
  text.pop_back();
  return testing::cat({text, ",\"nodes\":", json_text(nodes), "}"});
}

}  // namespace

TEST_CASE("the cached JSON is the fresh JSON, before and after changes") {
  Fleet fleet;
  for (int n = 0; n < 50; ++n)
    fleet.apply(subject(testing::cat({"node-", std::to_string(n)}), "ns/a",
                        n % 3 ? Status::supported : Status::unsupported));
  const auto hour = std::chrono::hours(1);
  MatrixCache cache(fleet, hour);

  for (const bool with_nodes : {true, false}) {
    INFO("with_nodes " << with_nodes);
    CHECK(nlohmann::json::parse(*cache.json(kNow, with_nodes)) ==
          fresh_json(fleet, kNow, hour, with_nodes));
  }
  const auto before = cache.json(kNow, true);
  CHECK(cache.json(kNow + 10, true) == before);  // unchanged fleet: the same text, not recomputed

  // One node changes; another node appears; a new capability appears (new axis).
  auto changed = subject("node-7", "ns/a", Status::partial, kNow - 500);
  fleet.apply(changed);
  fleet.apply(subject("node-new", "ns/b", Status::error));
  CHECK(nlohmann::json::parse(*cache.json(kNow, true)) == fresh_json(fleet, kNow, hour, true));
  auto extra = subject("node-3", "ns/a", Status::supported, kNow - 400);
  extra.results.push_back({"aaa.first", Status::untested, {}});
  fleet.apply(extra);
  CHECK(nlohmann::json::parse(*cache.json(kNow, true)) == fresh_json(fleet, kNow, hour, true));
  fleet.remove({extra.key});
  CHECK(nlohmann::json::parse(*cache.json(kNow, true)) == fresh_json(fleet, kNow, hour, true));
}

TEST_CASE("the cache notices a subject turning stale without any new report") {
  Fleet fleet;
  fleet.apply(subject("n1", "ns/a", Status::supported, kNow - 30 * 60 * 1000));  // 30 min ago
  fleet.apply(subject("n2", "ns/a", Status::supported, kNow - 1000));
  MatrixCache cache(fleet, std::chrono::hours(1));
  CHECK(cache.matrix(kNow)->subjects == 2);
  CHECK(nlohmann::json::parse(*cache.json(kNow, true))["subjects"] == 2);
  const auto later = kNow + 31 * 60 * 1000;  // n1's report is now 61 minutes old
  CHECK(cache.matrix(later)->subjects == 1);
  CHECK(cache.matrix(later)->stale_subjects == 1);
  CHECK(nlohmann::json::parse(*cache.json(later, true)) ==
        fresh_json(fleet, later, std::chrono::hours(1), true));
}

TEST_CASE("an empty fleet renders valid JSON with an empty nodes array") {
  Fleet fleet;
  MatrixCache cache(fleet, std::chrono::hours(1));
  const auto document = nlohmann::json::parse(*cache.json(kNow, true));
  CHECK(document["nodes"] == nlohmann::json::array());
  CHECK(document["subjects"] == 0);
}

TEST_CASE("random sequences of changes: the cache serves the text of a computation from scratch") {
  const auto seed = GENERATE(range(100u, 115u));
  const auto stale_after = std::chrono::hours(1);
  INFO("seed " << seed);
  Fleet fleet;
  testing::RandomFleet random(seed, kNow);
  MatrixCache cache(fleet, stale_after);
  std::optional<std::uint64_t> version;
  std::int64_t built_at = 0;
  for (int step = 0; step < 150; ++step) {
    const auto what = random.step(fleet);
    INFO("step " << step << ": " << what);
    // The cache rebuilds, and so takes a new generated_at, exactly when the tally changed.
    fleet.with_matrix(random.now(), stale_after, [&](const MatrixTally& tally) {
      if (version != tally.version()) built_at = random.now();
      version = tally.version();
    });
    Matrix scratch;
    fleet.visit([&](const std::vector<const SubjectState*>& all, std::uint64_t) {
      scratch = compute_matrix(all, random.now(), stale_after, true);
    });
    scratch.generated_at_ms = built_at;
    // Alternate the order of the asks: each must stand on its own.
    if (step % 2) CHECK(*cache.matrix(random.now()) == scratch);
    CHECK(*cache.json(random.now(), true) == expected_text(scratch, true));
    CHECK(*cache.json(random.now(), false) == expected_text(scratch, false));
    if (step % 2 == 0) CHECK(*cache.matrix(random.now()) == scratch);
  }
}
