// The SQLite store on a temporary database: insert and de-duplicate, latest per subject,
// count and age retention, reopening, and the reader's queries.
#include <catch2/catch.hpp>

#include "collector/postgres.hpp"
#include "collector/sqlite_store.hpp"
#include "collector/validate.hpp"
#include "support/collector_process.hpp"
#include "support/sample_report.hpp"
#include "support/text.hpp"

using namespace capprobe::collector;

namespace {

constexpr std::int64_t kNow = 1'800'000'000'000;

struct Stored {
  IncomingReport report;
  std::string body;
};

Stored make(const std::string& node, const std::string& id, const std::string& started_at,
            const std::string& pod = "ns/agent") {
  testing::SampleOptions options;
  options.subject.node = node;
  options.subject.pod = pod;
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

std::vector<InsertResult> insert(SqliteWriter& writer, const std::vector<const Stored*>& reports,
                                 std::int64_t received_at = kNow) {
  std::vector<InsertItem> items;
  for (const auto* stored : reports) items.push_back({&stored->report, stored->body, received_at});
  return writer.insert_batch(items);
}

std::string numbered(const char* prefix, int i) {
  return testing::cat({prefix, std::to_string(i)});
}

}  // namespace

TEST_CASE("a batch is stored in one go and a repeated report_id is a duplicate stored once") {
  testing::TempDir dir;
  const auto db = dir.path() + "/c.db";
  SqliteWriter writer(db, RetentionPolicy{});
  const auto a = make("n1", "id-a", "2026-11-24T10:00:00Z");
  const auto b = make("n2", "id-b", "2026-11-24T10:00:00Z");
  const auto results = insert(writer, {&a, &b, &a});
  REQUIRE(results.size() == 3);
  CHECK_FALSE(results[0].duplicate);
  CHECK_FALSE(results[1].duplicate);
  CHECK(results[2].duplicate);  // the same id within one batch
  CHECK(insert(writer, {&b})[0].duplicate);

  SqliteReader reader(db, 1);
  CHECK(reader.history(std::nullopt, 100).size() == 2);
  const auto stored = reader.report("id-a");
  REQUIRE(stored);
  CHECK(stored->body == a.body);  // exactly as received
  CHECK(stored->received_at_ms == kNow);
  CHECK_FALSE(reader.report("id-none"));
  CHECK(reader.database_bytes() > 0);
}

TEST_CASE("the latest report per subject is the newest by start time") {
  testing::TempDir dir;
  SqliteWriter writer(dir.path() + "/c.db", RetentionPolicy{});
  const auto first = make("n1", "r1", "2026-11-24T10:00:00Z");
  const auto late_old = make("n1", "r0", "2026-11-24T09:00:00Z");  // arrives later, ran earlier
  const auto other_pod = make("n1", "p1", "2026-11-24T08:00:00Z", "ns/other");
  insert(writer, {&first});
  insert(writer, {&late_old, &other_pod});
  const auto latest = writer.load_latest();
  REQUIRE(latest.size() == 2);
  for (const auto& state : latest) {
    if (state.subject.pod == "ns/agent") {
      CHECK(state.report_id == "r1");
    } else {
      CHECK(state.report_id == "p1");
    }
    CHECK(state.subject.node == "n1");
    CHECK(state.results.size() == first.report.results.size());
  }

  SqliteReader reader(dir.path() + "/c.db", 1);
  const auto node_reports = reader.latest_of_node("n1");
  REQUIRE(node_reports.size() == 2);
  CHECK(node_reports[0].body.find("\"r1\"") != std::string::npos);
  CHECK(reader.latest_of_node("n2").empty());
}

TEST_CASE("history is newest first, per node, limited") {
  testing::TempDir dir;
  SqliteWriter writer(dir.path() + "/c.db", RetentionPolicy{});
  std::vector<Stored> reports;
  for (int i = 0; i < 6; ++i)
    reports.push_back(
        make(i % 2 ? "odd" : "even", numbered("h", i), numbered("2026-11-24T10:00:0", i) + "Z"));
  for (const auto& r : reports) insert(writer, {&r}, kNow + &r - &reports[0]);
  SqliteReader reader(dir.path() + "/c.db", 2);
  const auto all = reader.history(std::nullopt, 4);
  REQUIRE(all.size() == 4);
  CHECK(all[0].report_id == "h5");
  CHECK(all[3].report_id == "h2");
  const auto odd = reader.history(std::string("odd"), 100);
  REQUIRE(odd.size() == 3);
  CHECK(odd[0].report_id == "h5");
  CHECK(odd[2].report_id == "h1");
  CHECK(nlohmann::json::parse(odd[0].subject_json)["node"] == "odd");
}

TEST_CASE("count retention keeps the newest N per subject, and always the latest") {
  testing::TempDir dir;
  SqliteWriter writer(dir.path() + "/c.db", RetentionPolicy{3, std::chrono::seconds(0)});
  // The first report ran last: it stays the latest and survives, however old its row is.
  const auto newest_run = make("n1", "k0", "2026-11-24T23:00:00Z");
  insert(writer, {&newest_run});
  for (int i = 1; i <= 6; ++i) {
    const auto r = make("n1", numbered("k", i), numbered("2026-11-24T10:00:0", i) + "Z");
    insert(writer, {&r});
  }
  const auto other = make("n2", "o1", "2026-11-24T10:00:00Z");
  insert(writer, {&other});
  SqliteReader reader(dir.path() + "/c.db", 1);
  std::vector<std::string> ids;
  for (const auto& entry : reader.history(std::string("n1"), 100)) ids.push_back(entry.report_id);
  CHECK(ids == std::vector<std::string>{"k6", "k5", "k4", "k0"});
  CHECK(reader.history(std::string("n2"), 100).size() == 1);
  CHECK(writer.load_latest().size() == 2);
}

TEST_CASE("age retention drops old reports and subjects silent for the max age") {
  testing::TempDir dir;
  SqliteWriter writer(dir.path() + "/c.db", RetentionPolicy{20, std::chrono::hours(24)});
  const auto old_only = make("gone", "g1", "2026-11-20T10:00:00Z");
  const auto old_kept = make("live", "l1", "2026-11-20T10:00:00Z");
  const auto fresh = make("live", "l2", "2026-11-24T10:00:00Z");
  const std::int64_t day = 24 * 3600 * 1000;
  insert(writer, {&old_only, &old_kept}, kNow - 3 * day);
  insert(writer, {&fresh}, kNow - 1000);
  const auto removed = writer.prune_expired(kNow);
  REQUIRE(removed.size() == 1);
  CHECK(removed[0] == old_only.report.subject_key);
  SqliteReader reader(dir.path() + "/c.db", 1);
  CHECK_FALSE(reader.report("g1"));
  CHECK_FALSE(reader.report("l1"));
  CHECK(reader.report("l2"));
  CHECK(writer.load_latest().size() == 1);

  SqliteWriter no_age(dir.path() + "/other.db", RetentionPolicy{20, std::chrono::seconds(0)});
  CHECK(no_age.prune_expired(kNow).empty());
}

TEST_CASE("a reopened database has everything that was committed") {
  testing::TempDir dir;
  const auto db = dir.path() + "/c.db";
  const auto a = make("n1", "x1", "2026-11-24T10:00:00Z");
  {
    SqliteWriter writer(db, RetentionPolicy{});
    insert(writer, {&a});
  }
  SqliteWriter reopened(db, RetentionPolicy{});
  const auto latest = reopened.load_latest();
  REQUIRE(latest.size() == 1);
  CHECK(latest[0].report_id == "x1");
  CHECK(latest[0].received_at_ms == kNow);
  CHECK(latest[0].started_at_ms == a.report.started_at_ms);
  CHECK(latest[0].subject.pod == "ns/agent");
  CHECK_FALSE(latest[0].subject.runtime_class);
  CHECK(insert(reopened, {&a})[0].duplicate);
}

// The reports are the fleet's evidence (mounts, kernels, what each node can do): only the
// collector's own user may read them, whatever the umask.
TEST_CASE("the database, its WAL and its shared-memory index are created 0600") {
  testing::ScopedUmask service_default(022);
  testing::TempDir dir;
  const auto db = dir.path() + "/c.db";
  SqliteWriter writer(db, RetentionPolicy{});
  const auto a = make("n1", "m1", "2026-11-24T10:00:00Z");
  insert(writer, {&a});
  for (const char* suffix : {"", "-wal", "-shm"}) {
    const auto path = testing::cat({db, suffix});
    INFO(path);
    CHECK(testing::mode_text(path) == "0600");
  }
}

TEST_CASE("a database and leftover WAL files readable by others are tightened to 0600") {
  testing::ScopedUmask service_default(022);
  testing::TempDir dir;
  const auto db = dir.path() + "/c.db";
  // What an earlier version (or a kill -9 of it) leaves behind: the files at 0644. Empty files
  // are a valid empty database, WAL and index to SQLite.
  for (const char* suffix : {"", "-wal", "-shm"}) {
    const auto path = testing::cat({db, suffix});
    std::fclose(std::fopen(path.c_str(), "w"));
    REQUIRE(testing::mode_text(path) == "0644");
  }
  SqliteWriter writer(db, RetentionPolicy{});
  const auto a = make("n1", "m2", "2026-11-24T10:00:00Z");
  insert(writer, {&a});
  for (const char* suffix : {"", "-wal", "-shm"}) {
    const auto path = testing::cat({db, suffix});
    INFO(path);
    CHECK(testing::mode_text(path) == "0600");
  }
}

TEST_CASE("a file that is not a collector database is refused") {
  testing::TempDir dir;
  const auto path = dir.path() + "/not.db";
  {
    std::FILE* file = std::fopen(path.c_str(), "w");
    std::fputs("this is not sqlite, just text that is long enough to have a header..........",
               file);
    std::fclose(file);
  }
  CHECK_THROWS_AS(SqliteWriter(path, RetentionPolicy{}), sqlite::SqliteError);
  {
    sqlite::Database foreign(dir.path() + "/foreign.db", false);
    foreign.exec("PRAGMA user_version = 7");
  }
  CHECK_THROWS_WITH(SqliteWriter(dir.path() + "/foreign.db", RetentionPolicy{}),
                    Catch::Contains("schema version 7"));
}

TEST_CASE("the compact results form round-trips") {
  const std::vector<ResultSummary> results{{"a.b", capprobe::probes::Status::partial, true},
                                           {"c", capprobe::probes::Status::not_applicable, {}}};
  const auto back = results_from_json(results_to_json(results));
  REQUIRE(back.size() == 2);
  CHECK(back[0].id == "a.b");
  CHECK(back[0].status == capprobe::probes::Status::partial);
  CHECK(back[0].requested == true);
  CHECK_FALSE(back[1].requested);
}

TEST_CASE("the schema version is kept in a table, and a newer schema is refused") {
  testing::TempDir dir;
  const auto db = dir.path() + "/c.db";
  { SqliteWriter create(db, RetentionPolicy{}); }
  {
    sqlite::Database raw(db, false);
    CHECK(sqlite::query_int(raw, "SELECT version FROM schema_version") == 1);
    raw.exec("UPDATE schema_version SET version = 99");
  }
  CHECK_THROWS_WITH(SqliteWriter(db, RetentionPolicy{}),
                    Catch::Contains("schema is version 99, newer than this collector knows (1)"));
  sqlite::Database raw(db, false);
  CHECK(sqlite::query_int(raw, "SELECT version FROM schema_version") == 99);
}

TEST_CASE("a database from before the version table gets it, with version 1") {
  testing::TempDir dir;
  const auto db = dir.path() + "/c.db";
  { SqliteWriter create(db, RetentionPolicy{}); }
  {
    sqlite::Database raw(db, false);
    raw.exec("DROP TABLE schema_version");
  }
  const auto a = make("n1", "id-a", "2026-11-24T10:00:00Z");
  SqliteWriter reopened(db, RetentionPolicy{});
  CHECK_FALSE(insert(reopened, {&a})[0].duplicate);
  sqlite::Database raw(db, true);
  CHECK(sqlite::query_int(raw, "SELECT version FROM schema_version") == 1);
}

TEST_CASE("a database URL's password never reaches the log") {
  CHECK(describe_store("postgresql://capprobe:s3cret@db:5432/fleet?sslmode=verify-full") ==
        "postgresql://capprobe:***@db:5432/fleet?sslmode=verify-full");
  CHECK(describe_store("postgres://db/fleet?user=c&password=s3cret&sslmode=require") ==
        "postgres://db/fleet?user=c&password=***&sslmode=require");
  CHECK(describe_store("postgres://capprobe@/fleet?host=/run/pg") ==
        "postgres://capprobe@/fleet?host=/run/pg");
  CHECK(describe_store("/var/lib/capprobe/collector.db") == "/var/lib/capprobe/collector.db");
}

TEST_CASE("an error that quotes the database URL back loses its passwords") {
  using capprobe::collector::postgres::without_passwords;
  // libpq's own words for a URL it cannot decode: the part quoted whole, password and all.
  const std::string url = "postgresql://capprobe:ab%zzS3cret@db/fleet";
  CHECK(without_passwords(R"(invalid percent-encoded token: "ab%zzS3cret")", url) ==
        R"(invalid percent-encoded token: "***")");
  // Decoded, as libpq says it after decoding; and a password= parameter's.
  CHECK(without_passwords("password S3cret!x rejected",
                          "postgres://u:S3cret%21x@db/f?sslmode=require") ==
        "password *** rejected");
  CHECK(without_passwords("bad value Pa55 and Pa55", "postgres://db/f?user=u&password=Pa55") ==
        "bad value *** and ***");
  // A raw '@' in a password: libpq takes the first '@' and quotes the rest as the host name.
  // (Every piece is hidden wherever it appears: a short piece may hide an innocent word too.)
  CHECK(without_passwords(R"(could not translate host name "tW0rd@db" to address)",
                          "postgresql://u:s3cr@tW0rd@db/fleet") ==
        R"(could not translate host name "***@db" to address)");
  CHECK(without_passwords("u:s3cr@tW0rd@db", "postgresql://u:s3cr@tW0rd@db/fleet") == "u:***@db");
  // A URL without a password leaves the text alone, an @ in the path too.
  CHECK(without_passwords("could not connect to server", "postgres://u@db/f") ==
        "could not connect to server");
  CHECK(without_passwords("no such database a:b", "postgres://db/a:b@c") == "no such database a:b");
}
