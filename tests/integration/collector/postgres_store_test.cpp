// The PostgreSQL store's classes against a private server, without HTTP: a batch with a repeated
// report_id, the newest report as the latest, a batch that fails as a whole, and the changes
// another collector follows (removals before updates, the cursor).
#include <catch2/catch.hpp>

#include <iostream>

#include "collector/postgres.hpp"
#include "collector/postgres_store.hpp"
#include "collector/validate.hpp"
#include "support/postgres_server.hpp"
#include "support/sample_report.hpp"

using namespace capprobe::collector;

namespace {

struct Stored {
  IncomingReport report;
  std::string body;
};

Stored make(const std::string& node, const std::string& id, const std::string& started_at) {
  testing::SampleOptions options;
  options.subject.node = node;
  options.report_id = id;
  options.started_at = started_at;
  options.target_bytes = 2048;
  Stored stored;
  stored.body = testing::sample_report_text(options);
  auto outcome = validate_report(stored.body);
  REQUIRE(std::holds_alternative<IncomingReport>(outcome));
  stored.report = std::get<IncomingReport>(outcome);
  return stored;
}

std::vector<InsertResult> insert(StoreWriter& writer, const std::vector<const Stored*>& reports,
                                 std::int64_t received_at) {
  std::vector<InsertItem> items;
  for (const auto* stored : reports) items.push_back({&stored->report, stored->body, received_at});
  return writer.insert_batch(items);
}

constexpr std::int64_t kNow = 1'800'000'000'000;

}  // namespace

TEST_CASE("PostgreSQL store: one batch, a repeated id in it, the newest as latest") {
  CAPPROBE_REQUIRE_POSTGRES();
  testing::PostgresServer server;
  PostgresWriter writer(server.url(), RetentionPolicy{});
  const auto newer = make("n1", "r-new", "2026-11-24T10:00:00Z");
  const auto older = make("n1", "r-old", "2026-11-24T09:00:00Z");  // arrives later, ran earlier
  const auto results = insert(writer, {&newer, &newer, &older}, kNow);
  REQUIRE(results.size() == 3);
  CHECK_FALSE(results[0].duplicate);
  CHECK(results[1].duplicate);
  CHECK_FALSE(results[2].duplicate);
  CHECK(results[2].seq > results[0].seq);
  const auto latest = writer.load_latest();
  REQUIRE(latest.size() == 1);
  CHECK(latest[0].report_id == "r-new");

  PostgresReader reader(server.url(), 1);
  CHECK(reader.history(std::string("n1"), 10).size() == 2);
  CHECK(reader.report("r-old")->body == older.body);
  CHECK(reader.latest_of_node("n1").at(0).body == newer.body);
  CHECK(reader.database_bytes() > 0);
  // Debian's server has lz4: the bodies are compressed with it.
  postgres::Connection db(server.url());
  CHECK(db.query("SELECT attcompression FROM pg_attribute WHERE attrelid = 'reports'::regclass "
                 "AND attname = 'body'")
            .text(0, 0) == "l");
}

TEST_CASE("PostgreSQL store: a batch that fails stores nothing of it, and the next one works") {
  CAPPROBE_REQUIRE_POSTGRES();
  testing::PostgresServer server;
  PostgresWriter writer(server.url(), RetentionPolicy{});
  const auto good = make("n1", "good", "2026-11-24T10:00:00Z");
  auto bad = make("n2", "bad", "2026-11-24T10:00:00Z");
  // Not UTF-8: the server refuses this report's statement, in the middle of the batch.
  bad.report.subject_key = "n2\xff";
  CHECK_THROWS(insert(writer, {&good, &bad}, kNow));
  postgres::Connection db(server.url());
  CHECK(db.query("SELECT count(*) FROM reports").integer(0, 0) == 0);
  CHECK(db.query("SELECT count(*) FROM latest").integer(0, 0) == 0);
  CHECK_FALSE(insert(writer, {&good}, kNow)[0].duplicate);
  CHECK(db.query("SELECT count(*) FROM reports").integer(0, 0) == 1);
}

TEST_CASE("PostgreSQL store: another collector's changes, removals before updates") {
  CAPPROBE_REQUIRE_POSTGRES();
  testing::PostgresServer server;
  RetentionPolicy retention;
  retention.max_age = std::chrono::hours(24);
  PostgresWriter writer(server.url(), retention);
  PostgresReader follower(server.url(), 1);

  const auto start = follower.changes_since(0);
  REQUIRE(start);
  CHECK(start->updated.empty());
  const auto a = make("a", "a-1", "2026-11-24T10:00:00Z");
  const auto b = make("b", "b-1", "2026-11-24T10:00:00Z");
  insert(writer, {&a}, kNow - 2LL * 24 * 3600 * 1000);  // two days old
  insert(writer, {&b}, kNow);
  auto changes = follower.changes_since(start->cursor);
  REQUIRE(changes);
  CHECK(changes->updated.size() == 2);
  CHECK(changes->removed.empty());
  const auto cursor = changes->cursor;
  // Nothing since: nothing read.
  changes = follower.changes_since(cursor);
  CHECK(changes->cursor == cursor);
  CHECK(changes->updated.empty());

  // Age retention removes "a"; then "a" reports again: a follower sees the removal and the
  // new state, in that order, so that it ends up with "a".
  CHECK(writer.prune_expired(kNow) == std::vector<std::string>{a.report.subject_key});
  const auto a2 = make("a", "a-2", "2026-11-24T11:00:00Z");
  insert(writer, {&a2}, kNow);
  changes = follower.changes_since(cursor);
  CHECK(changes->removed == std::vector<std::string>{a.report.subject_key});
  REQUIRE(changes->updated.size() == 1);
  CHECK(changes->updated[0].report_id == "a-2");
  CHECK(changes->cursor > cursor);
}
