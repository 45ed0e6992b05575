// The probe runner with stand-in probes: failures become `error` results, deadlines hold,
// heavy probes run last and alone, selection and ordering.
#include <catch2/catch.hpp>

#include <atomic>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "agent/runner.hpp"
#include "platform/fake/fake_platform.hpp"

using namespace capprobe;
using namespace std::chrono_literals;
using probes::CapabilityResult;
using probes::Cost;
using probes::Probe;
using probes::Status;

namespace {

// What the stand-in probes saw, shared with the test.
struct Journal {
  std::mutex mutex;
  std::vector<std::string> started;
  std::atomic<int> running{0};
  std::atomic<int> most_at_once{0};
  std::vector<bool> quick_seen;
  std::vector<std::string> scratch_seen;
  std::vector<std::chrono::milliseconds> deadline_left;
};

Probe recording(const std::string& id, Cost cost, Journal& journal,
                std::chrono::milliseconds work = 0ms) {
  Probe probe;
  probe.info.id = id;
  probe.info.title = id;
  probe.info.cost = cost;
  probe.info.timeout = 1000ms;
  probe.run = [id, &journal, work](probes::ProbeContext& context) {
    const int now_running = ++journal.running;
    int seen = journal.most_at_once;
    while (now_running > seen && !journal.most_at_once.compare_exchange_weak(seen, now_running)) {
    }
    {
      std::lock_guard lock(journal.mutex);
      journal.started.push_back(id);
      journal.quick_seen.push_back(context.quick);
      journal.scratch_seen.push_back(context.scratch_name);
      journal.deadline_left.push_back(std::chrono::duration_cast<std::chrono::milliseconds>(
          context.deadline - std::chrono::steady_clock::now()));
    }
    std::this_thread::sleep_for(work);
    --journal.running;
    CapabilityResult result;
    result.id = id;
    result.status = Status::supported;
    result.requested = context.requests.host_pid;
    result.summary = "ran";
    return result;
  };
  return probe;
}

std::vector<std::string> ids_of(const std::vector<CapabilityResult>& results) {
  std::vector<std::string> ids;
  for (const auto& result : results) ids.push_back(result.id);
  return ids;
}

const probes::PodRequests kNoRequests{};

}  // namespace

TEST_CASE("a probe that throws becomes an error result and the run goes on", "[runner]") {
  platform::FakePlatform os;
  Journal journal;
  Probe throwing;
  throwing.info.id = "a.throws";
  throwing.run = [](probes::ProbeContext&) -> CapabilityResult {
    throw std::runtime_error("boom at step 3");
  };
  Probe throwing_anything;
  throwing_anything.info.id = "b.throws_int";
  throwing_anything.run = [](probes::ProbeContext&) -> CapabilityResult { throw 42; };
  Probe wrong_id;
  wrong_id.info.id = "c.wrong_id";
  wrong_id.run = [](probes::ProbeContext&) {
    CapabilityResult result;
    result.id = "something.else";
    return result;
  };
  const std::vector<Probe> probes{throwing, throwing_anything, wrong_id,
                                  recording("d.fine", Cost::light, journal)};

  const auto results = agent::run_probes(probes, os, kNoRequests, {}, ".capprobe-4242-abcdef");
  REQUIRE(ids_of(results) ==
          std::vector<std::string>{"a.throws", "b.throws_int", "c.wrong_id", "d.fine"});
  CHECK(results[0].status == Status::error);
  CHECK_THAT(results[0].summary, Catch::Contains("boom at step 3"));
  CHECK(results[1].status == Status::error);
  CHECK_THAT(results[1].summary, Catch::Contains("unknown exception"));
  CHECK(results[2].status == Status::error);
  CHECK_THAT(results[2].summary, Catch::Contains("something.else"));
  CHECK(results[3].status == Status::supported);
}

TEST_CASE("a probe that overruns its deadline is an error within the deadline", "[runner]") {
  platform::FakePlatform os;
  Journal journal;
  Probe stuck;
  stuck.info.id = "a.stuck";
  stuck.info.timeout = 150ms;
  // Shared ownership: the abandoned thread outlives this test case.
  auto release = std::make_shared<std::atomic<bool>>(false);
  stuck.run = [release](probes::ProbeContext&) -> CapabilityResult {
    while (!*release) std::this_thread::sleep_for(5ms);
    return {};
  };
  const std::vector<Probe> probes{stuck, recording("b.next", Cost::light, journal)};

  const auto started = std::chrono::steady_clock::now();
  const auto results = agent::run_probes(probes, os, kNoRequests, {}, ".capprobe-4242-abcdef");
  const auto elapsed = std::chrono::steady_clock::now() - started;
  *release = true;

  REQUIRE(results.size() == 2);
  CHECK(results[0].status == Status::error);
  CHECK_THAT(results[0].summary, Catch::Contains("deadline of 150 ms"));
  CHECK(results[0].duration_ms >= 150);
  // The slack allows for a busy two-core machine; the stuck probe alone would take forever.
  CHECK(elapsed < 150ms + 250ms);
  CHECK(results[1].status == Status::supported);
}

TEST_CASE("heavy probes run after the light ones, one at a time, results in catalog order",
          "[runner]") {
  platform::FakePlatform os;
  Journal journal;
  const std::vector<Probe> probes{
      recording("heavy.one", Cost::heavy, journal, 20ms),
      recording("light.one", Cost::light, journal, 10ms),
      recording("light.two", Cost::light, journal, 10ms),
      recording("heavy.two", Cost::heavy, journal, 20ms),
  };
  const auto results = agent::run_probes(probes, os, kNoRequests, {}, ".capprobe-4242-abcdef");
  CHECK(journal.started ==
        std::vector<std::string>{"light.one", "light.two", "heavy.one", "heavy.two"});
  CHECK(journal.most_at_once == 1);
  CHECK(ids_of(results) ==
        std::vector<std::string>{"heavy.one", "light.one", "light.two", "heavy.two"});
  for (const auto& result : results) CHECK(result.duration_ms >= 10);
  CHECK(journal.quick_seen == std::vector<bool>(4, false));
  // Each probe gets the run's scratch name and its own deadline.
  CHECK(journal.scratch_seen == std::vector<std::string>(4, ".capprobe-4242-abcdef"));
  for (const auto left : journal.deadline_left) CHECK((left > 500ms && left <= 1000ms));
}

TEST_CASE("quick mode passes quick=true and heavy probes take their catalog place", "[runner]") {
  platform::FakePlatform os;
  Journal journal;
  const std::vector<Probe> probes{
      recording("heavy.one", Cost::heavy, journal),
      recording("light.one", Cost::light, journal),
  };
  agent::Selection selection;
  selection.quick = true;
  const auto results = agent::run_probes(probes, os, kNoRequests, selection, ".capprobe-1-abcdef");
  CHECK(journal.started == std::vector<std::string>{"heavy.one", "light.one"});
  CHECK(journal.quick_seen == std::vector<bool>{true, true});
  CHECK(ids_of(results) == std::vector<std::string>{"heavy.one", "light.one"});
}

TEST_CASE("only and skip select probes, and the requests reach them", "[runner]") {
  platform::FakePlatform os;
  Journal journal;
  const std::vector<Probe> probes{
      recording("a", Cost::light, journal),
      recording("b", Cost::heavy, journal),
      recording("c", Cost::light, journal),
  };
  probes::PodRequests requests;
  requests.host_pid = true;

  agent::Selection only;
  only.only = {"c", "b"};
  auto results = agent::run_probes(probes, os, requests, only, ".capprobe-1-abcdef");
  CHECK(ids_of(results) == std::vector<std::string>{"b", "c"});
  for (const auto& result : results) CHECK(result.requested == true);

  agent::Selection skip;
  skip.skip = {"a"};
  CHECK(ids_of(agent::run_probes(probes, os, kNoRequests, skip, ".capprobe-1-abcdef")) ==
        std::vector<std::string>{"b", "c"});

  agent::Selection both;
  both.only = {"a", "b"};
  both.skip = {"b"};
  CHECK(ids_of(agent::run_probes(probes, os, kNoRequests, both, ".capprobe-1-abcdef")) ==
        std::vector<std::string>{"a"});
}

TEST_CASE("unknown ids in --only and --skip are named", "[runner]") {
  Journal journal;
  const std::vector<Probe> probes{recording("host.pid", Cost::light, journal),
                                  recording("fs.symlink", Cost::light, journal)};
  agent::Selection selection;
  selection.only = {"host.pid", "host.pdi"};
  selection.skip = {"fs.symlink", "fs.simlink"};
  CHECK(agent::unknown_ids(probes, selection) ==
        std::vector<std::string>{"host.pdi", "fs.simlink"});
  CHECK(agent::unknown_ids(probes, {}).empty());
}
