// The incremental matrix (MatrixTally, kept by the Fleet) against compute_matrix() from scratch:
// scenarios of reports, replacements, removals and the clock, and long random sequences of them.
#include <catch2/catch.hpp>

#include <map>
#include <memory>

#include "collector/fleet.hpp"
#include "collector/matrix.hpp"
#include "collector/matrix_tally.hpp"
#include "random_fleet.hpp"

using namespace capprobe::collector;
using capprobe::probes::Status;

namespace {

constexpr std::int64_t kNow = 1'800'000'000'000;
constexpr std::int64_t kMinute = 60 * 1000;
constexpr auto kHour = std::chrono::hours(1);

std::shared_ptr<const SubjectState> state(const std::string& node, const std::string& pod,
                                          const std::string& environment, std::int64_t received_at,
                                          std::vector<ResultSummary> results) {
  SubjectState state;
  state.subject.node = node;
  state.subject.pod = pod;
  state.subject.os = "linux";
  state.subject.arch = "amd64";
  state.subject.environment = environment;
  state.key = subject_key(state.subject);
  state.report_id = node + pod + std::to_string(received_at);
  state.received_at_ms = received_at;
  state.started_at_ms = received_at;
  state.results = std::move(results);
  return std::make_shared<const SubjectState>(std::move(state));
}

std::vector<ResultSummary> pid(Status status, std::optional<bool> requested = std::nullopt) {
  return {{"host.pid", status, requested}, {"fs.symlink", Status::supported, {}}};
}

// The tally and the subjects it was given, to compute the same matrix from scratch.
struct Tallied {
  MatrixTally tally;
  std::map<std::string, std::shared_ptr<const SubjectState>> subjects;
  std::int64_t now = kNow;

  explicit Tallied(std::chrono::seconds stale_after) : tally(stale_after, kNow) {}
  void put(std::shared_ptr<const SubjectState> s) {
    subjects[s->key] = s;
    tally.put(std::move(s));
  }
  void erase(const std::vector<std::string>& keys) {
    for (const auto& key : keys) subjects.erase(key);
    tally.erase(keys);
  }
  void advance(std::int64_t to) {
    now = to;
    tally.advance(to);
  }
  Matrix scratch(std::chrono::seconds stale_after) const {
    std::vector<const SubjectState*> all;
    for (const auto& [key, s] : subjects) all.push_back(s.get());
    return compute_matrix(all, now, stale_after, true);
  }
};

std::vector<std::string> group_keys(const Matrix& matrix) {
  std::vector<std::string> keys;
  for (const auto& group : matrix.groups) keys.push_back(group.key);
  return keys;
}

std::vector<std::string> node_names(const std::vector<std::shared_ptr<const PublishedNode>>& all) {
  std::vector<std::string> names;
  for (const auto& node : all) names.push_back(node->summary.node);
  return names;
}

// Every part of the tally's matrix equal to the one from scratch, one CHECK each so that a
// failure says which part differs.
void check_same(const Matrix& scratch, const MatrixTally& tally) {
  const Matrix incremental = tally.matrix(scratch.generated_at_ms);
  CHECK(incremental.subjects == scratch.subjects);
  CHECK(incremental.stale_subjects == scratch.stale_subjects);
  CHECK(incremental.requested_but_ignored == scratch.requested_but_ignored);
  CHECK(incremental.capabilities == scratch.capabilities);
  CHECK(group_keys(incremental) == group_keys(scratch));
  CHECK(incremental.groups == scratch.groups);  // and their subject and node counts
  CHECK(incremental.cells == scratch.cells);
  CHECK(incremental.totals == scratch.totals);
  CHECK(incremental.valid_until_ms == scratch.valid_until_ms);

  const auto nodes = tally.nodes();
  REQUIRE(nodes.size() == scratch.nodes.size());
  for (std::size_t n = 0; n < nodes.size(); ++n) {
    const auto expected = node_summary(scratch, scratch.nodes[n]);
    INFO("node " << expected.node << ": " << json_text(node_json(expected)));
    CHECK(nodes[n]->summary == expected);
    CHECK(nodes[n]->json == json_text(node_json(expected)));
    CHECK(node_row(incremental, nodes[n]->summary) == scratch.nodes[n]);
  }
  Matrix whole = incremental;
  for (const auto& node : nodes) whole.nodes.push_back(node_row(incremental, node->summary));
  CHECK(whole == scratch);
}

}  // namespace

TEST_CASE("tally scenarios match a count from scratch") {
  struct Scenario {
    const char* name;
    std::function<void(Tallied&)> steps;
    int subjects, stale_subjects;
    std::vector<std::string> groups, capabilities, nodes;
  };
  const std::vector<Scenario> scenarios{
      {"one fresh subject",
       [](Tallied& t) {
         t.put(state("n1", "a", "container", kNow - 1000, pid(Status::supported)));
       },
       1,
       0,
       {"linux/container/-"},
       {"fs.symlink", "host.pid"},
       {"n1"}},
      {"a report older than stale_after is stale on arrival; its node stays listed",
       [](Tallied& t) {
         t.put(state("n1", "a", "container", kNow - 61 * kMinute, pid(Status::supported)));
       },
       0,
       1,
       {},
       {},
       {"n1"}},
      {"time passing makes a subject stale, its group and capabilities go with it",
       [](Tallied& t) {
         t.put(state("n1", "a", "container", kNow - 30 * kMinute, pid(Status::supported)));
         t.put(state("n2", "b", "vm_guest", kNow, {{"topology.numa", Status::error, {}}}));
         t.advance(kNow + 31 * kMinute);
       },
       1,
       1,
       {"linux/vm_guest/-"},
       {"topology.numa"},
       {"n1", "n2"}},
      {"exactly stale_after old is still fresh, one millisecond more is stale",
       [](Tallied& t) {
         t.put(state("n1", "a", "container", kNow, pid(Status::supported)));
         t.put(state("n2", "a", "container", kNow + 1, pid(Status::supported)));
         t.advance(kNow + 60 * kMinute + 1);
       },
       1,
       1,
       {"linux/container/-"},
       {"fs.symlink", "host.pid"},
       {"n1", "n2"}},
      {"the clock going back makes a stale subject fresh again",
       [](Tallied& t) {
         t.put(state("n1", "a", "container", kNow - 30 * kMinute, pid(Status::supported)));
         t.advance(kNow + 40 * kMinute);
         t.advance(kNow + 10 * kMinute);
       },
       1,
       0,
       {"linux/container/-"},
       {"fs.symlink", "host.pid"},
       {"n1"}},
      {"a newer report moves the subject to another group; the old group goes",
       [](Tallied& t) {
         t.put(state("n1", "a", "container", kNow - 2000, pid(Status::supported)));
         t.put(state("n1", "a", "vm_guest", kNow - 1000, pid(Status::unsupported, true)));
       },
       1,
       0,
       {"linux/vm_guest/-"},
       {"fs.symlink", "host.pid"},
       {"n1"}},
      {"removing a node's last subject removes the node",
       [](Tallied& t) {
         const auto s = state("n1", "a", "container", kNow - 1000, pid(Status::supported));
         t.put(s);
         t.put(state("n2", "a", "container", kNow - 1000, pid(Status::supported)));
         t.erase({s->key, "no-such-key"});
       },
       1,
       0,
       {"linux/container/-"},
       {"fs.symlink", "host.pid"},
       {"n2"}},
      {"two subjects on a node in two groups, one of them stale",
       [](Tallied& t) {
         t.put(state("n1", "a", "container", kNow - 1000, pid(Status::supported, true)));
         t.put(state("n1", "b", "vm_guest", kNow - 90 * kMinute, pid(Status::unsupported, true)));
       },
       1,
       1,
       {"linux/container/-"},
       {"fs.symlink", "host.pid"},
       {"n1"}},
  };
  for (const auto& scenario : scenarios) {
    INFO(scenario.name);
    Tallied t(kHour);
    scenario.steps(t);
    const Matrix incremental = t.tally.matrix(t.now);
    CHECK(incremental.subjects == scenario.subjects);
    CHECK(incremental.stale_subjects == scenario.stale_subjects);
    CHECK(group_keys(incremental) == scenario.groups);
    CHECK(incremental.capabilities == scenario.capabilities);
    CHECK(node_names(t.tally.nodes()) == scenario.nodes);
    check_same(t.scratch(kHour), t.tally);
  }
}

TEST_CASE("with stale_after 0 nothing turns stale, and the matrix never expires") {
  Tallied t(std::chrono::seconds(0));
  t.put(state("n1", "a", "container", kNow - 1000 * 24 * 60 * kMinute, pid(Status::supported)));
  const auto version = t.tally.version();
  t.advance(kNow + 1000 * 24 * 60 * kMinute);
  CHECK(t.tally.version() == version);
  CHECK(t.tally.matrix(t.now).subjects == 1);
  CHECK(t.tally.matrix(t.now).valid_until_ms == std::numeric_limits<std::int64_t>::max());
  check_same(t.scratch(std::chrono::seconds(0)), t.tally);
}

TEST_CASE("the version changes with every change and with subjects turning stale, not otherwise") {
  Tallied t(kHour);
  const auto start = t.tally.version();
  const auto s = state("n1", "a", "container", kNow - 30 * kMinute, pid(Status::supported));
  t.put(s);
  const auto after_put = t.tally.version();
  CHECK(after_put != start);
  t.advance(kNow + 10 * kMinute);  // still fresh
  t.erase({"no-such-key"});
  CHECK(t.tally.version() == after_put);
  CHECK(t.tally.matrix(t.now).valid_until_ms == s->received_at_ms + 60 * kMinute + 1);
  t.advance(s->received_at_ms + 60 * kMinute + 1);
  CHECK(t.tally.version() != after_put);
  CHECK(t.tally.matrix(t.now).stale_subjects == 1);
}

TEST_CASE("a change renders only its node again, a repeat of the last report renders nothing") {
  Tallied t(kHour);
  for (const char* node : {"n1", "n2", "n3"})
    t.put(state(node, "a", "container", kNow - 1000, pid(Status::supported)));
  const auto before = t.tally.nodes();
  t.put(state("n2", "a", "container", kNow - 500, pid(Status::partial)));
  const auto after = t.tally.nodes();
  REQUIRE(after.size() == 3);
  CHECK(after[0] == before[0]);
  CHECK(after[1] != before[1]);
  CHECK(after[2] == before[2]);
  CHECK(after[1]->json.find("\"partial\":1") != std::string::npos);

  t.put(state("n2", "a", "container", kNow - 400, pid(Status::partial)));  // same results
  CHECK(t.tally.nodes()[1] == after[1]);
  check_same(t.scratch(kHour), t.tally);
}

TEST_CASE("random sequences of reports, removals and clock moves: the fleet's tally matches") {
  const auto seed = GENERATE(range(1u, 31u));
  const auto stale_after = seed % 5 == 0 ? std::chrono::seconds(0) : kHour;
  INFO("seed " << seed << ", stale_after " << stale_after.count() << " s");
  Fleet fleet;
  capprobe::collector::testing::RandomFleet random(seed, kNow);
  // Half of the runs start the tally on a fleet that already has subjects.
  for (int i = 0; i < (seed % 2 ? 0 : 30); ++i) random.step(fleet);
  for (int step = 0; step < 200; ++step) {
    const auto what = random.step(fleet);
    INFO("step " << step << ": " << what);
    Matrix scratch;
    fleet.visit([&](const std::vector<const SubjectState*>& all, std::uint64_t) {
      scratch = compute_matrix(all, random.now(), stale_after, true);
    });
    fleet.with_matrix(random.now(), stale_after,
                      [&](const MatrixTally& tally) { check_same(scratch, tally); });
  }
}
