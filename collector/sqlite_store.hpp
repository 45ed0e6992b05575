// The store in one SQLite file (WAL), the embedded default: the history of reports with a
// retention bound, and each subject's latest report. One writer connection (the ingest thread), one
// that checkpoints (its own thread) and a small pool of reader connections for the HTTP threads;
// WAL lets them run side by side.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <spdlog/logger.h>

#include "collector/checkpointer.hpp"
#include "collector/options.hpp"
#include "collector/sqlite.hpp"
#include "collector/store.hpp"

namespace capprobe::collector {

class SqliteWriter : public StoreWriter {
 public:
  SqliteWriter(const std::string& path, RetentionPolicy retention);

  // One transaction for the whole batch ("group commit"): when this returns, every accepted
  // report is durable. Throws sqlite::SqliteError after rolling back; then nothing was stored.
  std::vector<InsertResult> insert_batch(const std::vector<InsertItem>& items) override;

  // Age retention: removes reports older than the policy's max age, and the subjects whose
  // latest report is that old. Returns the removed subject keys. Bounded work per call.
  std::vector<std::string> prune_expired(std::int64_t now_ms) override;

  std::vector<SubjectState> load_latest() override;

 private:
  struct Schema {
    explicit Schema(sqlite::Database& db);  // pragmas and tables, before any statement is prepared
  };
  struct OwnerOnlyFiles {
    // Before the database is opened: it, and what SQLite keeps beside it, readable by this user
    // only. Throws std::runtime_error when that cannot be made so.
    OwnerOnlyFiles(const std::string& path, spdlog::logger& log);
  };

  RetentionPolicy retention_;
  std::shared_ptr<spdlog::logger> log_;
  OwnerOnlyFiles owner_only_;  // declared before db_: done before SQLite creates anything
  sqlite::Database db_;
  Schema schema_;
  Checkpointer checkpointer_;  // declared after db_: stopped before db_ closes
  sqlite::Statement begin_, commit_, rollback_;
  sqlite::Statement insert_report_, upsert_latest_, prune_subject_;
};

class SqliteReader : public StoreReader {
 public:
  SqliteReader(const std::string& path, int connections);
  ~SqliteReader() override;

  std::vector<HistoryEntry> history(const std::optional<std::string>& node, int limit) override;
  std::optional<StoredReport> report(const std::string& report_id) override;
  std::vector<LatestReport> latest_of_node(const std::string& node) override;
  std::int64_t database_bytes() override;  // the main file and its WAL

 private:
  struct Connection;
  class Lease;
  Lease acquire();

  std::string path_;
  std::mutex mutex_;
  std::condition_variable available_;
  std::vector<std::unique_ptr<Connection>> idle_;
};

}  // namespace capprobe::collector
