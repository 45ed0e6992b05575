// SQLite schema and statements of the report store. Durability: WAL with synchronous=FULL, so a
// committed transaction is on disk before insert_batch returns; a kill -9 loses nothing that was
// acknowledged, and SQLite replays the WAL on the next open.
#include "collector/sqlite_store.hpp"

#include <filesystem>
#include <stdexcept>
#include <utility>
#include <variant>

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "collector/owner_only_file.hpp"

namespace capprobe::collector {
namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS reports (
  seq INTEGER PRIMARY KEY,           -- arrival order
  report_id TEXT NOT NULL UNIQUE,    -- de-duplication key
  subject_key TEXT NOT NULL,
  node TEXT NOT NULL,
  received_at INTEGER NOT NULL,      -- Unix ms
  started_at INTEGER NOT NULL,       -- Unix ms, from the report
  subject TEXT NOT NULL,             -- the report's subject object, JSON
  body BLOB NOT NULL                 -- the report as received
);
CREATE INDEX IF NOT EXISTS reports_by_subject ON reports (subject_key, seq);
CREATE INDEX IF NOT EXISTS reports_by_node ON reports (node, seq);
CREATE INDEX IF NOT EXISTS reports_by_age ON reports (received_at);
CREATE TABLE IF NOT EXISTS latest (
  subject_key TEXT PRIMARY KEY,
  seq INTEGER NOT NULL,
  report_id TEXT NOT NULL,
  node TEXT NOT NULL,
  pod TEXT, container TEXT, runtime_class TEXT,
  os TEXT NOT NULL, arch TEXT NOT NULL, environment TEXT NOT NULL,
  os_version TEXT NOT NULL, kernel TEXT NOT NULL,
  received_at INTEGER NOT NULL,
  started_at INTEGER NOT NULL,
  results TEXT NOT NULL              -- [[id, status, requested], ...]
);
CREATE INDEX IF NOT EXISTS latest_by_node ON latest (node);
CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);
PRAGMA user_version = 1;
)sql";
constexpr std::int64_t kSchemaVersion = 1;  // also the INSERT into schema_version below

// The newer report (by started_at, then arrival) wins; a late spooled report does not.
constexpr const char* kUpsertLatest = R"sql(
INSERT INTO latest (subject_key, seq, report_id, node, pod, container, runtime_class, os, arch,
                    environment, os_version, kernel, received_at, started_at, results)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)
ON CONFLICT (subject_key) DO UPDATE SET
  seq = excluded.seq, report_id = excluded.report_id, node = excluded.node, pod = excluded.pod,
  container = excluded.container, runtime_class = excluded.runtime_class, os = excluded.os,
  arch = excluded.arch, environment = excluded.environment, os_version = excluded.os_version,
  kernel = excluded.kernel, received_at = excluded.received_at, started_at = excluded.started_at,
  results = excluded.results
WHERE (excluded.started_at, excluded.seq) > (latest.started_at, latest.seq)
)sql";

// Count retention: everything of the subject older than its newest ?2 reports, except the
// report its latest points at.
constexpr const char* kPruneSubject = R"sql(
DELETE FROM reports WHERE subject_key = ?1
  AND seq <= (SELECT seq FROM reports WHERE subject_key = ?1 ORDER BY seq DESC LIMIT 1 OFFSET ?2)
  AND seq <> (SELECT seq FROM latest WHERE subject_key = ?1)
)sql";

// The collector's logger when the collector command runs, the default one in tests.
std::shared_ptr<spdlog::logger> store_logger() {
  auto log = spdlog::get("collector");
  return log ? log : spdlog::default_logger();
}

// A file that was open to others may have been read already; the operator should know.
void restrict_to_owner(const std::string& file, IfMissing if_missing, spdlog::logger& log) {
  const auto outcome = make_owner_only(file, if_missing);
  if (const auto* error = std::get_if<std::string>(&outcome)) throw std::runtime_error(*error);
  const auto& done = std::get<OwnerOnly>(outcome);
  if (done.found == OwnerOnly::Found::tightened)
    log.warn(
        "{} was open to others (mode {}): restricted it to 0600, as it holds the "
        "fleet's reports",
        file, done.was);
}

std::optional<std::string> column_optional(const sqlite::Statement& statement, int index) {
  if (statement.column_is_null(index)) return std::nullopt;
  return statement.column_text(index);
}

}  // namespace

SqliteWriter::Schema::Schema(sqlite::Database& db) {
  // FULL: the WAL is synced at every commit, so an acknowledged report also survives a power
  // loss, not only a crash of this process; group commit keeps that to one sync per batch.
  db.exec(
      "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"
      "PRAGMA journal_size_limit = 67108864; PRAGMA cache_size = -16384;");
  // The version is in table schema_version, as in PostgreSQL; databases from before it have only
  // SQLite's user_version (1).
  const bool has_table = sqlite::query_int(db,
                                           "SELECT count(*) FROM sqlite_master WHERE type = "
                                           "'table' AND name = 'schema_version'") > 0;
  const auto version =
      has_table ? sqlite::query_int(db, "SELECT coalesce(max(version), 0) FROM schema_version")
                : sqlite::query_int(db, "PRAGMA user_version");
  // Without our table, a user_version other than ours is some other program's database.
  if (!has_table && version != 0 && version != 1)
    throw sqlite::SqliteError("the database has schema version " + std::to_string(version) +
                                  ", not a capprobe collector database",
                              0);
  if (version > kSchemaVersion)
    throw sqlite::SqliteError("the database's schema is version " + std::to_string(version) +
                                  ", newer than this collector knows (" +
                                  std::to_string(kSchemaVersion) +
                                  "): a newer collector has migrated it; run that version, or a "
                                  "newer one",
                              0);
  db.exec("BEGIN IMMEDIATE");
  try {
    db.exec(kSchema);
    if (sqlite::query_int(db, "SELECT count(*) FROM schema_version") == 0)
      db.exec("INSERT INTO schema_version (version) VALUES (1)");  // kSchemaVersion
    db.exec("COMMIT");
  } catch (...) {
    db.exec("ROLLBACK");
    throw;
  }
}

// SQLite creates the WAL and its index with the database file's mode (the tests check it), so
// an owner-only database keeps them so too; only files an earlier run left behind (a kill -9
// leaves the WAL and index) can be wider, and those are tightened with the database.
SqliteWriter::OwnerOnlyFiles::OwnerOnlyFiles(const std::string& path, spdlog::logger& log) {
  restrict_to_owner(path, IfMissing::create, log);
  for (const char* beside : {"-wal", "-shm", "-journal"})
    restrict_to_owner(path + beside, IfMissing::leave, log);
}

SqliteWriter::SqliteWriter(const std::string& path, RetentionPolicy retention)
    : retention_(retention),
      log_(store_logger()),
      owner_only_(path, *log_),
      db_(path, false),
      schema_(db_),
      checkpointer_(path, log_),
      begin_(db_.prepare("BEGIN IMMEDIATE")),
      commit_(db_.prepare("COMMIT")),
      rollback_(db_.prepare("ROLLBACK")),
      insert_report_(db_.prepare(
          "INSERT INTO reports (report_id, subject_key, node, received_at, started_at, subject, "
          "body) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (report_id) DO NOTHING")),
      upsert_latest_(db_.prepare(kUpsertLatest)),
      prune_subject_(db_.prepare(kPruneSubject)) {
  db_.on_wal_commit([this](int wal_pages) {
    if (!checkpointer_.wal_committed(wal_pages)) return;
    try {
      db_.checkpoint();
    } catch (const std::exception& error) {
      // The commit itself succeeded; the WAL keeps growing until a checkpoint works.
      log_->warn("Checkpointing a WAL of {} pages failed: {}", wal_pages, error.what());
    }
  });
}

std::vector<InsertResult> SqliteWriter::insert_batch(const std::vector<InsertItem>& items) {
  std::vector<InsertResult> results;
  results.reserve(items.size());
  begin_.step();
  begin_.reset();
  try {
    for (const auto& item : items) {
      const IncomingReport& report = *item.report;
      insert_report_.bind(1, std::string_view(report.report_id))
          .bind(2, std::string_view(report.subject_key))
          .bind(3, std::string_view(report.subject.node))
          .bind(4, item.received_at_ms)
          .bind(5, report.started_at_ms)
          .bind(6, std::string_view(report.subject_json))
          .bind_blob(7, item.body);
      insert_report_.step();
      insert_report_.reset();
      if (db_.changes() == 0) {
        results.push_back({true, 0});
        continue;
      }
      const std::int64_t seq = db_.last_insert_rowid();
      std::string made;
      std::string_view summary = item.results_json;
      if (summary.empty()) summary = made = results_to_json(report.results);
      const auto& subject = report.subject;
      upsert_latest_.bind(1, std::string_view(report.subject_key))
          .bind(2, seq)
          .bind(3, std::string_view(report.report_id))
          .bind(4, std::string_view(subject.node))
          .bind(5, subject.pod)
          .bind(6, subject.container)
          .bind(7, subject.runtime_class)
          .bind(8, std::string_view(subject.os))
          .bind(9, std::string_view(subject.arch))
          .bind(10, std::string_view(subject.environment))
          .bind(11, std::string_view(subject.os_version))
          .bind(12, std::string_view(subject.kernel))
          .bind(13, item.received_at_ms)
          .bind(14, report.started_at_ms)
          .bind(15, summary);
      upsert_latest_.step();
      upsert_latest_.reset();
      prune_subject_.bind(1, std::string_view(report.subject_key))
          .bind(2, static_cast<std::int64_t>(retention_.keep_per_subject));
      prune_subject_.step();
      prune_subject_.reset();
      results.push_back({false, seq});
    }
    commit_.step();
    commit_.reset();
  } catch (...) {
    insert_report_.reset();
    upsert_latest_.reset();
    prune_subject_.reset();
    commit_.reset();
    try {
      rollback_.step();
    } catch (const sqlite::SqliteError&) {
      // A failed COMMIT may already have rolled back; the original error is the one to report.
    }
    rollback_.reset();
    throw;
  }
  return results;
}

std::vector<std::string> SqliteWriter::prune_expired(std::int64_t now_ms) {
  std::vector<std::string> removed;
  if (retention_.max_age.count() <= 0) return removed;
  const std::int64_t cutoff =
      now_ms - std::chrono::duration_cast<std::chrono::milliseconds>(retention_.max_age).count();
  db_.exec("BEGIN IMMEDIATE");
  try {
    auto expired = db_.prepare("SELECT subject_key FROM latest WHERE received_at < ?1 LIMIT 5000");
    expired.bind(1, cutoff);
    while (expired.step()) removed.push_back(expired.column_text(0));
    auto drop_latest = db_.prepare("DELETE FROM latest WHERE subject_key = ?1");
    for (const auto& key : removed) {
      drop_latest.bind(1, std::string_view(key));
      drop_latest.step();
      drop_latest.reset();
    }
    // Bounded per call so that a large backlog does not hold the writer for long.
    auto drop_reports = db_.prepare(
        "DELETE FROM reports WHERE seq IN "
        "(SELECT seq FROM reports WHERE received_at < ?1 ORDER BY received_at LIMIT 5000)");
    drop_reports.bind(1, cutoff);
    drop_reports.step();
    db_.exec("COMMIT");
  } catch (...) {
    db_.exec("ROLLBACK");
    throw;
  }
  return removed;
}

std::vector<SubjectState> SqliteWriter::load_latest() {
  std::vector<SubjectState> states;
  auto select = db_.prepare(
      "SELECT subject_key, seq, report_id, node, pod, container, runtime_class, os, arch, "
      "environment, os_version, kernel, received_at, started_at, results FROM latest");
  while (select.step()) {
    SubjectState state;
    state.key = select.column_text(0);
    state.seq = select.column_int(1);
    state.report_id = select.column_text(2);
    state.subject.node = select.column_text(3);
    state.subject.pod = column_optional(select, 4);
    state.subject.container = column_optional(select, 5);
    state.subject.runtime_class = column_optional(select, 6);
    state.subject.os = select.column_text(7);
    state.subject.arch = select.column_text(8);
    state.subject.environment = select.column_text(9);
    state.subject.os_version = select.column_text(10);
    state.subject.kernel = select.column_text(11);
    state.received_at_ms = select.column_int(12);
    state.started_at_ms = select.column_int(13);
    state.results = results_from_json(select.column_text(14));
    states.push_back(std::move(state));
  }
  return states;
}

struct SqliteReader::Connection {
  explicit Connection(const std::string& path)
      : db(path, true),
        history_all(db.prepare(
            "SELECT report_id, received_at, subject FROM reports ORDER BY seq DESC LIMIT ?1")),
        history_node(db.prepare("SELECT report_id, received_at, subject FROM reports "
                                "WHERE node = ?1 ORDER BY seq DESC LIMIT ?2")),
        report(db.prepare("SELECT body, received_at FROM reports WHERE report_id = ?1")),
        latest_of_node(
            db.prepare("SELECT l.subject_key, l.received_at, r.body FROM latest l "
                       "JOIN reports r ON r.seq = l.seq WHERE l.node = ?1 ORDER BY l.subject_key")),
        page_bytes(db.prepare(
            "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()")) {}

  sqlite::Database db;
  sqlite::Statement history_all, history_node, report, latest_of_node, page_bytes;
};

// Returns its connection to the pool when it goes out of scope; statements are reset on return.
class SqliteReader::Lease {
 public:
  Lease(SqliteReader& owner, std::unique_ptr<Connection> connection)
      : owner_(owner), connection_(std::move(connection)) {}
  Lease(Lease&&) = default;
  ~Lease() {
    if (!connection_) return;
    for (auto* statement :
         {&connection_->history_all, &connection_->history_node, &connection_->report,
          &connection_->latest_of_node, &connection_->page_bytes})
      statement->reset();
    std::lock_guard lock(owner_.mutex_);
    owner_.idle_.push_back(std::move(connection_));
    owner_.available_.notify_one();
  }
  Connection* operator->() { return connection_.get(); }

 private:
  SqliteReader& owner_;
  std::unique_ptr<Connection> connection_;
};

SqliteReader::SqliteReader(const std::string& path, int connections) : path_(path) {
  for (int i = 0; i < connections; ++i) idle_.push_back(std::make_unique<Connection>(path));
}

SqliteReader::~SqliteReader() = default;

SqliteReader::Lease SqliteReader::acquire() {
  std::unique_lock lock(mutex_);
  available_.wait(lock, [&] { return !idle_.empty(); });
  auto connection = std::move(idle_.back());
  idle_.pop_back();
  return Lease(*this, std::move(connection));
}

std::vector<HistoryEntry> SqliteReader::history(const std::optional<std::string>& node, int limit) {
  auto lease = acquire();
  auto& select = node ? lease->history_node : lease->history_all;
  if (node)
    select.bind(1, std::string_view(*node)).bind(2, static_cast<std::int64_t>(limit));
  else
    select.bind(1, static_cast<std::int64_t>(limit));
  std::vector<HistoryEntry> entries;
  while (select.step())
    entries.push_back({select.column_text(0), select.column_int(1), select.column_text(2)});
  return entries;
}

std::optional<StoredReport> SqliteReader::report(const std::string& report_id) {
  auto lease = acquire();
  lease->report.bind(1, std::string_view(report_id));
  if (!lease->report.step()) return std::nullopt;
  return StoredReport{lease->report.column_text(0), lease->report.column_int(1)};
}

std::vector<LatestReport> SqliteReader::latest_of_node(const std::string& node) {
  auto lease = acquire();
  lease->latest_of_node.bind(1, std::string_view(node));
  std::vector<LatestReport> reports;
  while (lease->latest_of_node.step())
    reports.push_back({lease->latest_of_node.column_text(0), lease->latest_of_node.column_int(1),
                       lease->latest_of_node.column_text(2)});
  return reports;
}

std::int64_t SqliteReader::database_bytes() {
  std::int64_t bytes = 0;
  {
    auto lease = acquire();
    if (lease->page_bytes.step()) bytes = lease->page_bytes.column_int(0);
  }
  std::error_code ignored;
  const auto wal = std::filesystem::file_size(path_ + "-wal", ignored);
  if (!ignored) bytes += static_cast<std::int64_t>(wal);
  return bytes;
}

}  // namespace capprobe::collector
