// Group commit: outcomes reach the sender only after the commit, the fleet is updated before
// that, a failed transaction fails every report in it (and stores none), the queue is bounded,
// and stop() answers everything queued.
#include <catch2/catch.hpp>

#include <condition_variable>
#include <mutex>
#include <thread>

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "collector/clock.hpp"
#include "collector/ingest.hpp"
#include "collector/sqlite_store.hpp"
#include "collector/validate.hpp"
#include "support/collector_process.hpp"
#include "support/sample_report.hpp"
#include "support/text.hpp"

using namespace capprobe::collector;
using namespace std::chrono_literals;

namespace {

struct Fixture {
  testing::TempDir dir;
  std::string db = dir.path() + "/c.db";
  SqliteWriter writer{db, RetentionPolicy{}};
  Fleet fleet;
  Metrics metrics;
  std::shared_ptr<spdlog::logger> log = [] {
    auto existing = spdlog::get("ingest-test");
    return existing ? existing : spdlog::stderr_logger_mt("ingest-test");
  }();
};

IncomingReport incoming(const std::string& node, const std::string& id, std::string& body) {
  testing::SampleOptions options;
  options.subject.node = node;
  options.report_id = id;
  options.target_bytes = 1024;
  body = testing::sample_report_text(options);
  return std::get<IncomingReport>(validate_report(body));
}

// Collects outcomes from the writer thread.
struct Outcomes {
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<std::pair<std::string, IngestOutcome>> seen;

  Ingest::Done done_for(const std::string& id) {
    return [this, id](IngestOutcome outcome) {
      std::lock_guard lock(mutex);
      seen.emplace_back(id, outcome);
      changed.notify_all();
    };
  }
  bool wait_for(std::size_t count) {
    std::unique_lock lock(mutex);
    return changed.wait_for(lock, 10s, [&] { return seen.size() >= count; });
  }
};

bool submit(Ingest& ingest, Outcomes& outcomes, const std::string& node, const std::string& id) {
  std::string body;
  auto report = incoming(node, id, body);
  return ingest.submit(std::move(report), std::move(body), unix_now_ms(), outcomes.done_for(id));
}

}  // namespace

TEST_CASE("reports are answered after their commit, with the fleet already updated") {
  Fixture f;
  Ingest ingest(f.writer, f.fleet, f.metrics, IngestLimits{}, f.log);
  Outcomes outcomes;
  bool fleet_had_it = false;
  std::string body;
  auto report = incoming("n1", "i-1", body);
  REQUIRE(ingest.submit(std::move(report), body, unix_now_ms(), [&](IngestOutcome outcome) {
    fleet_had_it = f.fleet.size() == 1;
    outcomes.done_for("i-1")(outcome);
  }));
  REQUIRE(submit(ingest, outcomes, "n1", "i-1"));  // the same id again
  REQUIRE(outcomes.wait_for(2));
  CHECK(fleet_had_it);
  CHECK(outcomes.seen[0].second == IngestOutcome::accepted);
  CHECK(outcomes.seen[1].second == IngestOutcome::duplicate);
  SqliteReader reader(f.db, 1);
  CHECK(reader.report("i-1"));
}

TEST_CASE("a failed transaction fails every report in it and stores none of them") {
  Fixture f;
  {
    // Fault injection from outside: a trigger that aborts the insert of one report.
    sqlite::Database other(f.db, false);
    other.exec(
        "CREATE TRIGGER inject BEFORE INSERT ON reports WHEN NEW.report_id = 'poison' "
        "BEGIN SELECT RAISE(ABORT, 'injected failure'); END");
  }
  Ingest ingest(f.writer, f.fleet, f.metrics, IngestLimits{}, f.log);
  Outcomes outcomes;
  REQUIRE(submit(ingest, outcomes, "n1", "poison"));
  REQUIRE(outcomes.wait_for(1));
  CHECK(outcomes.seen[0].second == IngestOutcome::failed);
  CHECK(f.fleet.size() == 0);

  REQUIRE(submit(ingest, outcomes, "n2", "fine-1"));  // the writer goes on
  REQUIRE(outcomes.wait_for(2));
  CHECK(outcomes.seen[1].second == IngestOutcome::accepted);
  CHECK(f.fleet.size() == 1);
  SqliteReader reader(f.db, 1);
  CHECK_FALSE(reader.report("poison"));
  CHECK(reader.report("fine-1"));
}

TEST_CASE("the queue is bounded in bytes, and stop() answers everything queued") {
  Fixture f;
  std::string sample;
  incoming("x", "x", sample);
  IngestLimits limits;
  limits.max_queued_bytes = 3 * sample.size() + 10;
  Ingest ingest(f.writer, f.fleet, f.metrics, limits, f.log);
  Outcomes outcomes;

  // Hold the database so that the writer waits on its first batch while the queue fills.
  sqlite::Database blocker(f.db, false);
  blocker.exec("BEGIN EXCLUSIVE");
  REQUIRE(submit(ingest, outcomes, "n0", "q-0"));
  std::this_thread::sleep_for(200ms);  // the writer has taken q-0 and waits for the lock
  int queued = 0;
  while (queued < 10 &&
         submit(ingest, outcomes, "n1", testing::cat({"q-", std::to_string(queued + 1)})))
    ++queued;
  CHECK(queued == 2);  // q-0, held by the writer, counts until answered; then the bound refused
  blocker.exec("COMMIT");

  ingest.stop();  // commits the rest before it returns
  CHECK(outcomes.seen.size() == 3);
  for (const auto& [id, outcome] : outcomes.seen) CHECK(outcome == IngestOutcome::accepted);
  CHECK_FALSE(submit(ingest, outcomes, "n2", "after-stop"));
}

TEST_CASE("the bound holds while committed reports wait to be answered") {
  // The answering thread stalls (here: the first sender's callback blocks; in the field, matrix
  // readers holding the fleet's lock). Committed reports must keep counting against the bound,
  // or the collector would take reports without limit and never say 503.
  Fixture f;
  std::string sample;
  incoming("x", "x", sample);
  IngestLimits limits;
  limits.max_queued_bytes = 4 * sample.size() + 200;  // four reports (their ids differ a little)
  Ingest ingest(f.writer, f.fleet, f.metrics, limits, f.log);
  Outcomes outcomes;
  std::mutex gate_mutex;
  std::condition_variable gate_changed;
  bool gate_open = false;
  std::string body;
  auto first = incoming("n0", "s-0", body);
  REQUIRE(ingest.submit(std::move(first), body, unix_now_ms(), [&](IngestOutcome) {
    std::unique_lock lock(gate_mutex);
    gate_changed.wait(lock, [&] { return gate_open; });
  }));
  int accepted = 0;
  for (int i = 1; i <= 50; ++i) {
    if (submit(ingest, outcomes, "n1", testing::cat({"s-", std::to_string(i)}))) ++accepted;
    std::this_thread::sleep_for(5ms);  // the writer commits each as it comes
  }
  CHECK(accepted == 3);
  {
    std::lock_guard lock(gate_mutex);
    gate_open = true;
  }
  gate_changed.notify_all();
  REQUIRE(outcomes.wait_for(3));
  // Answered, their bytes are released: reports are taken again.
  bool taken_again = false;
  for (int i = 0; i < 100 && !taken_again; ++i) {
    taken_again = submit(ingest, outcomes, "n2", testing::cat({"t-", std::to_string(i)}));
    if (!taken_again) std::this_thread::sleep_for(10ms);
  }
  CHECK(taken_again);
  ingest.stop();
}
