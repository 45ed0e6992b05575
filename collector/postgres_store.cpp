// PostgreSQL schema, its migrations and the statements of the shared store. Durability: a batch
// is one transaction committed with synchronous_commit=on, so a 202 means the server has the
// report in its flushed WAL; a collector killed at any point loses nothing it acknowledged, and
// an interrupted transaction is rolled back by the server.
#include "collector/postgres_store.hpp"

#include <algorithm>
#include <chrono>
#include <utility>

#include <spdlog/spdlog.h>

namespace capprobe::collector {
namespace {

// Migration i takes the schema from version i to i + 1: one list, appended to, never edited.
const char* const kMigrations[] = {
    R"sql(
CREATE TABLE reports (
  seq BIGSERIAL PRIMARY KEY,         -- arrival order, across every collector
  report_id TEXT NOT NULL UNIQUE,    -- de-duplication key, across every collector
  subject_key TEXT NOT NULL,
  node TEXT NOT NULL,
  received_at BIGINT NOT NULL,       -- Unix ms
  started_at BIGINT NOT NULL,        -- Unix ms, from the report
  subject TEXT NOT NULL,             -- the report's subject object, JSON
  body TEXT NOT NULL                 -- the report as received (validated UTF-8 JSON)
);
-- lz4 where the server has it (PostgreSQL 14 and later, built with it, as Debian's is): a report
-- is compressed with a third of the CPU of the default pglz (measured: 0.37 ms of collector and
-- server CPU per report instead of 0.53); elsewhere the default stays.
DO $lz4$ BEGIN
  ALTER TABLE reports ALTER COLUMN body SET COMPRESSION lz4;
EXCEPTION WHEN OTHERS THEN
  NULL;
END $lz4$;
CREATE INDEX reports_by_subject ON reports (subject_key, seq);
CREATE INDEX reports_by_node ON reports (node, seq);
CREATE INDEX reports_by_age ON reports (received_at);
CREATE TABLE latest (
  subject_key TEXT PRIMARY KEY,
  seq BIGINT NOT NULL,
  report_id TEXT NOT NULL,
  node TEXT NOT NULL,
  pod TEXT, container TEXT, runtime_class TEXT,
  os TEXT NOT NULL, arch TEXT NOT NULL, environment TEXT NOT NULL,
  os_version TEXT NOT NULL, kernel TEXT NOT NULL,
  received_at BIGINT NOT NULL,
  started_at BIGINT NOT NULL,
  results TEXT NOT NULL,             -- [[id, status, requested], ...]
  changed BIGINT NOT NULL            -- change_counter.version of the transaction that wrote it
);
CREATE INDEX latest_by_node ON latest (node);
CREATE INDEX latest_by_change ON latest (changed);
CREATE TABLE removed_subjects (      -- what age retention removed, for the other collectors
  changed BIGINT NOT NULL,
  subject_key TEXT NOT NULL,
  removed_at BIGINT NOT NULL         -- Unix ms; kept a week
);
CREATE INDEX removed_by_change ON removed_subjects (changed);
CREATE TABLE change_counter (
  one BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (one),
  version BIGINT NOT NULL
);
INSERT INTO change_counter (version) VALUES (0);
-- One report, in one call (one round trip; the writer pipelines a batch of them): stores it
-- unless its report_id is there already (then 0), makes it its subject's latest when it is the
-- newer (by started_at, then arrival; a late spooled report does not replace a newer one), and
-- applies count retention: the subject's reports older than its newest p_keep go, except the
-- one its latest points at. Returns the new row's seq.
CREATE FUNCTION capprobe_ingest(
  p_report_id TEXT, p_subject_key TEXT, p_node TEXT, p_received_at BIGINT, p_started_at BIGINT,
  p_subject TEXT, p_body TEXT, p_pod TEXT, p_container TEXT, p_runtime_class TEXT, p_os TEXT,
  p_arch TEXT, p_environment TEXT, p_os_version TEXT, p_kernel TEXT, p_results TEXT,
  p_keep BIGINT) RETURNS BIGINT LANGUAGE plpgsql AS $fn$
DECLARE
  new_seq BIGINT;
BEGIN
  INSERT INTO reports (report_id, subject_key, node, received_at, started_at, subject, body)
  VALUES (p_report_id, p_subject_key, p_node, p_received_at, p_started_at, p_subject, p_body)
  ON CONFLICT (report_id) DO NOTHING RETURNING seq INTO new_seq;
  IF new_seq IS NULL THEN
    RETURN 0;
  END IF;
  INSERT INTO latest AS l (subject_key, seq, report_id, node, pod, container, runtime_class, os,
                           arch, environment, os_version, kernel, received_at, started_at,
                           results, changed)
  VALUES (p_subject_key, new_seq, p_report_id, p_node, p_pod, p_container, p_runtime_class, p_os,
          p_arch, p_environment, p_os_version, p_kernel, p_received_at, p_started_at, p_results,
          (SELECT version FROM change_counter))
  ON CONFLICT (subject_key) DO UPDATE SET
    seq = excluded.seq, report_id = excluded.report_id, node = excluded.node, pod = excluded.pod,
    container = excluded.container, runtime_class = excluded.runtime_class, os = excluded.os,
    arch = excluded.arch, environment = excluded.environment, os_version = excluded.os_version,
    kernel = excluded.kernel, received_at = excluded.received_at,
    started_at = excluded.started_at, results = excluded.results, changed = excluded.changed
  WHERE (excluded.started_at, excluded.seq) > (l.started_at, l.seq);
  DELETE FROM reports WHERE subject_key = p_subject_key
    AND seq <= (SELECT r.seq FROM reports r WHERE r.subject_key = p_subject_key
                ORDER BY r.seq DESC LIMIT 1 OFFSET p_keep)
    AND seq <> (SELECT l.seq FROM latest l WHERE l.subject_key = p_subject_key);
  RETURN new_seq;
END
$fn$;
)sql",
};
static_assert(std::size(kMigrations) == kPostgresSchemaVersion);

// Any constant: the key of the advisory lock under which collectors create or migrate the schema.
constexpr const char* kMigrationLock = "SELECT pg_advisory_xact_lock(7234102530117)";

constexpr std::int64_t kRemovedRecordMs = 7LL * 24 * 3600 * 1000;

constexpr const char* kLatestColumns =
    "subject_key, seq, report_id, node, pod, container, runtime_class, os, arch, environment, "
    "os_version, kernel, received_at, started_at, results";

SubjectState latest_row(const postgres::Result& rows, int row) {
  SubjectState state;
  state.key = rows.text(row, 0);
  state.seq = rows.integer(row, 1);
  state.report_id = rows.text(row, 2);
  state.subject.node = rows.text(row, 3);
  state.subject.pod = rows.optional_text(row, 4);
  state.subject.container = rows.optional_text(row, 5);
  state.subject.runtime_class = rows.optional_text(row, 6);
  state.subject.os = rows.text(row, 7);
  state.subject.arch = rows.text(row, 8);
  state.subject.environment = rows.text(row, 9);
  state.subject.os_version = rows.text(row, 10);
  state.subject.kernel = rows.text(row, 11);
  state.received_at_ms = rows.integer(row, 12);
  state.started_at_ms = rows.integer(row, 13);
  state.results = results_from_json(rows.text(row, 14));
  return state;
}

std::shared_ptr<spdlog::logger> store_logger() {
  auto log = spdlog::get("collector");
  return log ? log : spdlog::default_logger();
}

postgres::Param optional_param(const std::optional<std::string>& value) {
  if (!value) return std::nullopt;
  return std::string_view(*value);
}

// Every connection: a commit is acknowledged only once the server has flushed it, whatever the
// server's default; and no statement or lock wait may hold a collector thread for long.
void configure(postgres::Connection& db) {
  db.exec(
      "SET client_min_messages = warning; SET synchronous_commit = on; SET statement_timeout = "
      "'30s'; "
      "SET lock_timeout = '20s'; SET idle_in_transaction_session_timeout = '60s'");
}

// How long a read waits for the server's answer (postgres::Connection::set_answer_timeout): the
// reads are indexed lookups of milliseconds, and the threads that wait are the HTTP server's,
// which every request, /healthz and the matrix from memory included, needs. A server that hangs
// (stopped, its storage stuck) otherwise held them for good. The server is told to give up a
// little sooner (statement_timeout), so that a read abandoned here does not keep running there.
constexpr std::chrono::milliseconds kReadAnswerTimeout{5000};

// A reader connection: configure()'s settings, and the bounds above.
void configure_reader(postgres::Connection& db) {
  configure(db);
  db.set_answer_timeout(kReadAnswerTimeout);
  db.exec("SET statement_timeout = '4500ms'");
}

// Whether a statement failed because the connection is gone rather than because of the
// statement: libpq says so, or no server answered (no SQLSTATE; libpq may still call the
// connection fine), or the server said it is shutting down or the connection failed.
bool connection_lost(const postgres::Connection& connection, const postgres::PostgresError& error) {
  const auto& state = error.sqlstate();
  return !connection.ok() || state.empty() || state.starts_with("08") || state.starts_with("57P");
}

}  // namespace

void migrate_postgres_schema(postgres::Connection& db) {
  db.exec("BEGIN");
  try {
    db.exec(kMigrationLock);
    db.exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
    const auto found = db.query("SELECT coalesce(max(version), 0) FROM schema_version");
    const auto version = found.integer(0, 0);
    if (version > kPostgresSchemaVersion)
      throw std::runtime_error(
          "the database's schema is version " + std::to_string(version) +
          ", newer than this collector knows (" + std::to_string(kPostgresSchemaVersion) +
          "): a newer collector has migrated it; run that version, or a newer one");
    for (auto v = version; v < kPostgresSchemaVersion; ++v) db.exec(kMigrations[v]);
    if (version < kPostgresSchemaVersion) {
      db.exec("DELETE FROM schema_version");
      const auto text = std::to_string(kPostgresSchemaVersion);
      db.query("INSERT INTO schema_version (version) VALUES ($1)", {text});
    }
    db.exec("COMMIT");
  } catch (...) {
    try {
      db.exec("ROLLBACK");
    } catch (const std::exception&) {
      // The connection is gone; the server rolls back by itself.
    }
    throw;
  }
}

PostgresWriter::PostgresWriter(const std::string& url, RetentionPolicy retention)
    : url_(url), retention_(retention), log_(store_logger()), db_(url) {
  configure(db_);
  migrate_postgres_schema(db_);
  prepare();
}

void PostgresWriter::prepare() {
  db_.prepare("next_change", "UPDATE change_counter SET version = version + 1 RETURNING version");
  db_.prepare("ingest",
              "SELECT capprobe_ingest($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, "
              "$14, $15, $16, $17)");
}

void PostgresWriter::connect_if_lost() {
  if (db_.ok() && !must_reconnect_) return;
  log_->warn("The connection to PostgreSQL was lost; reconnecting");
  db_.reset();
  configure(db_);
  prepare();
  must_reconnect_ = false;
  log_->info("Reconnected to PostgreSQL");
}

std::int64_t PostgresWriter::next_change() {
  return db_.run("next_change", {}).integer(0, 0);
}

void PostgresWriter::rollback() noexcept {
  try {
    db_.exec("ROLLBACK");
  } catch (const std::exception&) {
    // A lost connection: the server rolls the transaction back by itself.
  }
}

// The batch's reports go in pipelines of kPipelineReports calls, each one round trip: the
// writer thread's time is what bounds the ingest rate, and a round trip per report was most of
// it. The pipelines' syncs do not end the transaction; its COMMIT does.
std::vector<InsertResult> PostgresWriter::insert_batch(const std::vector<InsertItem>& items) {
  constexpr std::size_t kPipelineReports = 200;
  connect_if_lost();
  std::vector<InsertResult> results;
  results.reserve(items.size());
  db_.exec("BEGIN");
  try {
    next_change();
    const auto keep = std::to_string(retention_.keep_per_subject);
    for (std::size_t from = 0; from < items.size(); from += kPipelineReports) {
      const auto to = std::min(items.size(), from + kPipelineReports);
      db_.pipeline_begin();
      for (std::size_t i = from; i < to; ++i) {
        const IncomingReport& report = *items[i].report;
        const auto& subject = report.subject;
        const auto received_at = std::to_string(items[i].received_at_ms);
        const auto started_at = std::to_string(report.started_at_ms);
        std::string made;
        std::string_view summary = items[i].results_json;
        if (summary.empty()) summary = made = results_to_json(report.results);
        db_.send(
            "ingest",
            {report.report_id, report.subject_key, subject.node, received_at, started_at,
             report.subject_json, items[i].body, optional_param(subject.pod),
             optional_param(subject.container), optional_param(subject.runtime_class), subject.os,
             subject.arch, subject.environment, subject.os_version, subject.kernel, summary, keep});
      }
      db_.sync();
      for (std::size_t i = from; i < to; ++i) {
        const auto seq = db_.result().integer(0, 0);
        results.push_back({seq == 0, seq});
      }
      db_.sync_result();
      db_.pipeline_end();
    }
    db_.exec("COMMIT");
  } catch (...) {
    if (db_.pipeline_abandon())
      rollback();
    else
      must_reconnect_ = true;  // the server rolls back the transaction of a closed connection
    throw;
  }
  return results;
}

std::vector<std::string> PostgresWriter::prune_expired(std::int64_t now_ms) {
  std::vector<std::string> removed;
  if (retention_.max_age.count() <= 0) return removed;
  connect_if_lost();
  const auto cutoff = std::to_string(
      now_ms - std::chrono::duration_cast<std::chrono::milliseconds>(retention_.max_age).count());
  const auto now = std::to_string(now_ms);
  db_.exec("BEGIN");
  try {
    const auto change = std::to_string(next_change());
    // Bounded per call so that a large backlog does not hold the writers for long.
    const auto gone = db_.query(
        "WITH gone AS (DELETE FROM latest WHERE subject_key IN "
        "(SELECT subject_key FROM latest WHERE received_at < $1 LIMIT 5000) "
        "RETURNING subject_key) "
        "INSERT INTO removed_subjects (changed, subject_key, removed_at) "
        "SELECT $2, subject_key, $3 FROM gone RETURNING subject_key",
        {cutoff, change, now});
    for (int row = 0; row < gone.rows(); ++row) removed.push_back(gone.text(row, 0));
    db_.query(
        "DELETE FROM reports WHERE seq IN "
        "(SELECT seq FROM reports WHERE received_at < $1 ORDER BY received_at LIMIT 5000)",
        {cutoff});
    db_.query("DELETE FROM removed_subjects WHERE removed_at < $1",
              {std::to_string(now_ms - kRemovedRecordMs)});
    db_.exec("COMMIT");
  } catch (...) {
    rollback();
    throw;
  }
  return removed;
}

std::vector<SubjectState> PostgresWriter::load_latest() {
  connect_if_lost();
  const auto rows = db_.query((std::string("SELECT ") + kLatestColumns + " FROM latest").c_str());
  std::vector<SubjectState> states;
  states.reserve(static_cast<std::size_t>(rows.rows()));
  for (int row = 0; row < rows.rows(); ++row) states.push_back(latest_row(rows, row));
  return states;
}

// A pooled connection, returned when the lease ends; one that was lost is reconnected when it
// is next leased.
class PostgresReader::Lease {
 public:
  Lease(PostgresReader& owner, std::unique_ptr<postgres::Connection> connection)
      : owner_(owner), connection_(std::move(connection)) {}
  Lease(Lease&&) = default;
  ~Lease() {
    if (!connection_) return;
    std::lock_guard lock(owner_.mutex_);
    owner_.idle_.push_back(std::move(connection_));
    owner_.available_.notify_one();
  }
  postgres::Connection* operator->() { return connection_.get(); }

 private:
  PostgresReader& owner_;
  std::unique_ptr<postgres::Connection> connection_;
};

PostgresReader::PostgresReader(const std::string& url, int connections) : url_(url) {
  for (int i = 0; i < connections; ++i) {
    auto connection = std::make_unique<postgres::Connection>(url);
    configure_reader(*connection);
    idle_.push_back(std::move(connection));
  }
}

PostgresReader::~PostgresReader() = default;

PostgresReader::Lease PostgresReader::acquire() {
  std::unique_ptr<postgres::Connection> connection;
  {
    std::unique_lock lock(mutex_);
    available_.wait(lock, [&] { return !idle_.empty(); });
    connection = std::move(idle_.back());
    idle_.pop_back();
  }
  Lease lease(*this, std::move(connection));
  if (!lease->ok()) reconnect(lease);
  return lease;
}

// A new connection in the lease's place; the lease returns it to the pool either way.
void PostgresReader::reconnect(Lease& lease) {
  try {
    lease->reset();
    configure_reader(*lease.operator->());
  } catch (const postgres::PostgresError& error) {
    throw StoreUnavailable(std::string("the database cannot be reached: ") + error.what());
  }
}

// A pooled connection left idle across a server restart learns that it is gone only when a
// statement fails on it: that read is tried once more on a new connection (reads repeat safely).
// A statement that failed on a live connection is the answer as it is; a server that cannot be
// reached is StoreUnavailable.
template <typename Read>
auto PostgresReader::with_connection(Read read) {
  auto lease = acquire();
  try {
    return read(lease);
  } catch (const postgres::PostgresError& error) {
    // A server that does not answer is not asked again now: the lease is reset when next used.
    if (error.timed_out())
      throw StoreUnavailable(std::string("the database does not answer: ") + error.what());
    if (!connection_lost(*lease.operator->(), error)) throw;
  }
  reconnect(lease);
  try {
    return read(lease);
  } catch (const postgres::PostgresError& error) {
    if (!connection_lost(*lease.operator->(), error)) throw;
    throw StoreUnavailable(std::string("the database cannot be reached: ") + error.what());
  }
}

std::vector<HistoryEntry> PostgresReader::history(const std::optional<std::string>& node,
                                                  int limit) {
  return with_connection([&](Lease& lease) {
    const auto count = std::to_string(limit);
    const auto rows =
        node ? lease->query(
                   "SELECT report_id, received_at, subject FROM reports WHERE node = $1 "
                   "ORDER BY seq DESC LIMIT $2",
                   {*node, count})
             : lease->query(
                   "SELECT report_id, received_at, subject FROM reports ORDER BY seq DESC LIMIT $1",
                   {count});
    std::vector<HistoryEntry> entries;
    for (int row = 0; row < rows.rows(); ++row)
      entries.push_back({rows.text(row, 0), rows.integer(row, 1), rows.text(row, 2)});
    return entries;
  });
}

std::optional<StoredReport> PostgresReader::report(const std::string& report_id) {
  return with_connection([&](Lease& lease) -> std::optional<StoredReport> {
    const auto rows =
        lease->query("SELECT body, received_at FROM reports WHERE report_id = $1", {report_id});
    if (rows.rows() == 0) return std::nullopt;
    return StoredReport{rows.text(0, 0), rows.integer(0, 1)};
  });
}

std::vector<LatestReport> PostgresReader::latest_of_node(const std::string& node) {
  return with_connection([&](Lease& lease) {
    const auto rows = lease->query(
        "SELECT l.subject_key, l.received_at, r.body FROM latest l JOIN reports r ON r.seq = "
        "l.seq WHERE l.node = $1 ORDER BY l.subject_key",
        {node});
    std::vector<LatestReport> reports;
    for (int row = 0; row < rows.rows(); ++row)
      reports.push_back({rows.text(row, 0), rows.integer(row, 1), rows.text(row, 2)});
    return reports;
  });
}

std::int64_t PostgresReader::database_bytes() {
  return with_connection([&](Lease& lease) {
    return lease->query("SELECT pg_database_size(current_database())").integer(0, 0);
  });
}

// One snapshot (REPEATABLE READ) for the counter and the rows: writers commit in counter order,
// so every change up to the counter's value is in it, and none after it is half there.
std::optional<StoreChanges> PostgresReader::changes_since(std::int64_t cursor) {
  auto lease = acquire();
  // The follower reads on a thread of its own, where a wait holds no request, and its first
  // read is every subject's latest report: it waits as long as the server works (30 s), not a
  // request's bound. Restored before the lease goes back to the pool.
  struct RequestBoundsAgain {
    postgres::Connection& db;
    ~RequestBoundsAgain() { db.set_answer_timeout(kReadAnswerTimeout); }
  } restore{*lease.operator->()};
  lease->set_answer_timeout(std::chrono::milliseconds(0));
  StoreChanges changes;
  lease->exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
  try {
    lease->exec("SET LOCAL statement_timeout = '30s'");
    changes.cursor = lease->query("SELECT version FROM change_counter").integer(0, 0);
    // A counter behind the cursor: the database was replaced; read it all again.
    if (changes.cursor < cursor) cursor = 0;
    if (changes.cursor != cursor) {
      const auto since = std::to_string(cursor);
      const auto removed = lease->query(
          "SELECT subject_key FROM removed_subjects WHERE changed > $1 ORDER BY changed", {since});
      for (int row = 0; row < removed.rows(); ++row)
        changes.removed.push_back(removed.text(row, 0));
      const auto updated = lease->query(
          (std::string("SELECT ") + kLatestColumns + " FROM latest WHERE changed > $1").c_str(),
          {since});
      for (int row = 0; row < updated.rows(); ++row)
        changes.updated.push_back(latest_row(updated, row));
    }
    lease->exec("COMMIT");
  } catch (...) {
    try {
      lease->exec("ROLLBACK");
    } catch (const std::exception&) {
      // The connection is gone.
    }
    throw;
  }
  return changes;
}

}  // namespace capprobe::collector
