// The fleet and the matrix over hand-built subjects: grouping, counts per status, "requested but
// ignored", per node, staleness, the drill-down filter and the JSON shape.
#include <catch2/catch.hpp>

#include "collector/fleet.hpp"
#include "collector/matrix.hpp"

using namespace capprobe::collector;
using capprobe::probes::Status;

namespace {

constexpr std::int64_t kNow = 1'800'000'000'000;

SubjectState subject(const std::string& node, const std::string& pod, std::optional<std::string> rc,
                     const std::string& environment, std::vector<ResultSummary> results,
                     std::int64_t received_at = kNow - 1000) {
  SubjectState state;
  state.subject.node = node;
  state.subject.pod = pod;
  state.subject.runtime_class = std::move(rc);
  state.subject.os = "linux";
  state.subject.arch = "amd64";
  state.subject.environment = environment;
  state.key = subject_key(state.subject);
  state.report_id = node + "-" + pod;
  state.received_at_ms = received_at;
  state.started_at_ms = received_at - 500;
  state.results = std::move(results);
  return state;
}

std::vector<const SubjectState*> pointers(const std::vector<SubjectState>& states) {
  std::vector<const SubjectState*> all;
  for (const auto& s : states) all.push_back(&s);
  return all;
}

std::size_t index_of(const std::vector<std::string>& list, const std::string& value) {
  const auto it = std::find(list.begin(), list.end(), value);
  REQUIRE(it != list.end());
  return static_cast<std::size_t>(it - list.begin());
}

std::vector<SubjectState> small_fleet() {
  return {
      subject("n1", "a", std::nullopt, "container",
              {{"host.pid", Status::supported, true}, {"fs.symlink", Status::supported, {}}}),
      subject("n1", "b", "kata", "vm_guest",
              {{"host.pid", Status::unsupported, true}, {"fs.symlink", Status::partial, {}}}),
      subject("n2", "c", "kata", "vm_guest",
              {{"host.pid", Status::unsupported, false},
               {"fs.symlink", Status::supported, {}},
               {"topology.numa", Status::error, {}}}),
      subject("n3", "d", "kata", "vm_guest", {{"host.pid", Status::unsupported, true}}),
  };
}

}  // namespace

TEST_CASE("groups are os/environment/runtime class, capabilities and groups sorted") {
  const auto fleet = small_fleet();
  const auto matrix = compute_matrix(pointers(fleet), kNow, std::chrono::hours(1), true);
  CHECK(matrix.subjects == 4);
  CHECK(matrix.capabilities == std::vector<std::string>{"fs.symlink", "host.pid", "topology.numa"});
  REQUIRE(matrix.groups.size() == 2);
  CHECK(matrix.groups[0].key == "linux/container/-");
  CHECK_FALSE(matrix.groups[0].runtime_class);
  CHECK(matrix.groups[1].key == "linux/vm_guest/kata");
  CHECK(matrix.groups[1].runtime_class == "kata");
  CHECK(matrix.groups[1].subjects == 3);
  CHECK(matrix.groups[1].nodes == 3);
}

TEST_CASE("cells count statuses, requests and requested-but-ignored") {
  const auto fleet = small_fleet();
  const auto matrix = compute_matrix(pointers(fleet), kNow, std::chrono::hours(1), true);
  const auto pid = index_of(matrix.capabilities, "host.pid");
  const Cell& kata = matrix.cells[pid][1];
  CHECK(kata.subjects == 3);
  CHECK(kata.count(Status::unsupported) == 3);
  CHECK(kata.requested == 2);
  CHECK(kata.requested_but_ignored == 2);  // n2 did not request it: unsupported, not ignored
  const Cell& runc = matrix.cells[pid][0];
  CHECK(runc.count(Status::supported) == 1);
  CHECK(runc.requested_but_ignored == 0);
  CHECK(matrix.totals[pid].subjects == 4);
  CHECK(matrix.totals[pid].requested_but_ignored == 2);
  CHECK(matrix.requested_but_ignored == 2);

  const auto numa = index_of(matrix.capabilities, "topology.numa");
  CHECK(matrix.cells[numa][0].subjects == 0);  // nobody in that group reported it
  CHECK(matrix.cells[numa][1].count(Status::error) == 1);
}

TEST_CASE("per node: cells summed over the node's subjects, with its groups") {
  const auto fleet = small_fleet();
  const auto matrix = compute_matrix(pointers(fleet), kNow, std::chrono::hours(1), true);
  REQUIRE(matrix.nodes.size() == 3);
  const NodeRow& n1 = matrix.nodes[0];
  CHECK(n1.node == "n1");
  CHECK(n1.subjects == 2);
  CHECK(n1.groups == std::vector<std::size_t>{0, 1});
  const auto symlink = index_of(matrix.capabilities, "fs.symlink");
  CHECK(n1.cells[symlink].count(Status::supported) == 1);
  CHECK(n1.cells[symlink].count(Status::partial) == 1);
  CHECK(n1.requested_but_ignored == 1);
  CHECK(matrix.nodes[1].requested_but_ignored == 0);

  const auto without = compute_matrix(pointers(fleet), kNow, std::chrono::hours(1), false);
  CHECK(without.nodes.empty());
  CHECK(without.subjects == 4);
}

TEST_CASE("stale subjects are left out of the counts but still listed per node") {
  auto fleet = small_fleet();
  fleet.push_back(subject("n4", "e", std::nullopt, "container",
                          {{"host.pid", Status::unsupported, true}}, kNow - 2 * 3600 * 1000));
  const auto matrix = compute_matrix(pointers(fleet), kNow, std::chrono::hours(1), true);
  CHECK(matrix.subjects == 4);
  CHECK(matrix.stale_subjects == 1);
  CHECK(matrix.requested_but_ignored == 2);
  REQUIRE(matrix.nodes.size() == 4);
  CHECK(matrix.nodes[3].node == "n4");
  CHECK(matrix.nodes[3].subjects == 0);
  CHECK(matrix.nodes[3].stale_subjects == 1);

  const auto never = compute_matrix(pointers(fleet), kNow, std::chrono::seconds(0), true);
  CHECK(never.subjects == 5);
  CHECK(never.stale_subjects == 0);
}

TEST_CASE("an empty fleet gives an empty matrix") {
  const auto matrix = compute_matrix({}, kNow, std::chrono::hours(1), true);
  CHECK(matrix.subjects == 0);
  CHECK(matrix.capabilities.empty());
  CHECK(matrix.groups.empty());
  const auto json = to_json(matrix);
  CHECK(json["capabilities"].empty());
  CHECK(json["nodes"].empty());
}

TEST_CASE("the JSON shape: groups, capability cells by group key, nodes") {
  const auto fleet = small_fleet();
  const auto json = to_json(compute_matrix(pointers(fleet), kNow, std::chrono::hours(1), true));
  CHECK(json["subjects"] == 4);
  CHECK(json["statuses"].size() == 6);
  CHECK(json["groups"][1]["key"] == "linux/vm_guest/kata");
  CHECK(json["groups"][0]["runtime_class"].is_null());
  const auto& pid = json["capabilities"][1];
  CHECK(pid["id"] == "host.pid");
  CHECK(pid["groups"]["linux/vm_guest/kata"]["counts"] == nlohmann::json{{"unsupported", 3}});
  CHECK(pid["groups"]["linux/vm_guest/kata"]["requested_but_ignored"] == 2);
  CHECK(pid["total"]["subjects"] == 4);
  CHECK_FALSE(json["capabilities"][2]["groups"].contains("linux/container/-"));
  const auto& n1 = json["nodes"][0];
  CHECK(n1["node"] == "n1");
  CHECK(n1["requested_but_ignored"] == nlohmann::json::array({"host.pid"}));
  CHECK(n1["capabilities"]["fs.symlink"] == nlohmann::json{{"partial", 1}, {"supported", 1}});
  CHECK(n1["groups"] == nlohmann::json::array({"linux/container/-", "linux/vm_guest/kata"}));
}

TEST_CASE("select_subjects: the drill-down behind a cell") {
  const auto fleet = small_fleet();
  const auto all = pointers(fleet);
  const auto hour = std::chrono::hours(1);
  const auto nodes = [](const std::vector<const SubjectState*>& selected) {
    std::vector<std::string> names;
    for (const auto* s : selected) names.push_back(s->subject.node + "/" + *s->subject.pod);
    return names;
  };
  CHECK(nodes(select_subjects(all, {}, kNow, hour)).size() == 4);
  CHECK(nodes(select_subjects(all, {"linux/vm_guest/kata", "host.pid", Status::unsupported}, kNow,
                              hour)) == std::vector<std::string>{"n1/b", "n2/c", "n3/d"});
  SubjectFilter ignored;
  ignored.capability = "host.pid";
  ignored.ignored_only = true;
  CHECK(nodes(select_subjects(all, ignored, kNow, hour)) ==
        std::vector<std::string>{"n1/b", "n3/d"});
  SubjectFilter any_error;
  any_error.status = Status::error;
  CHECK(nodes(select_subjects(all, any_error, kNow, hour)) == std::vector<std::string>{"n2/c"});
  SubjectFilter absent;
  absent.capability = "no.such";
  CHECK(select_subjects(all, absent, kNow, hour).empty());
}

TEST_CASE("the fleet keeps each subject's newest report by start time, then arrival") {
  Fleet fleet;
  auto first = subject("n1", "a", std::nullopt, "container", {}, kNow);
  first.started_at_ms = 1000;
  first.seq = 1;
  CHECK(fleet.apply(first));
  auto older = first;
  older.report_id = "older";
  older.started_at_ms = 500;  // delivered late from a spool
  older.seq = 2;
  CHECK_FALSE(fleet.apply(older));
  auto newer = first;
  newer.report_id = "newer";
  newer.started_at_ms = 1000;
  newer.seq = 3;  // same start, later arrival
  CHECK(fleet.apply(newer));
  REQUIRE(fleet.subjects_of("n1").size() == 1);
  CHECK(fleet.subjects_of("n1")[0].report_id == "newer");

  fleet.apply(subject("n1", "b", std::nullopt, "container", {}));
  fleet.apply(subject("n2", "c", std::nullopt, "container", {}));
  CHECK(fleet.size() == 3);
  CHECK(fleet.node_count() == 2);
  const auto version = fleet.version();
  fleet.remove({first.key, "no-such-key"});
  CHECK(fleet.size() == 2);
  CHECK(fleet.node_count() == 2);
  CHECK(fleet.version() != version);
  CHECK(fleet.subjects_of("n1").size() == 1);
  CHECK(fleet.subjects_of("nobody").empty());
}
