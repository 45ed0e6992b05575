// The store in a PostgreSQL database that several collectors share (replicas behind one
// Service). The same tables as the SQLite store, plus what replicas need to follow each other:
// a change counter that every write transaction takes first (so writers commit one after the
// other, in the counter's order, and never deadlock on each other's rows), the counter value of
// each subject's last change, and a record of the subjects retention removed.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <spdlog/logger.h>

#include "collector/options.hpp"
#include "collector/postgres.hpp"
#include "collector/store.hpp"

namespace capprobe::collector {

// The schema version this collector creates and understands.
constexpr int kPostgresSchemaVersion = 1;

// Creates or migrates the schema at `url`, under a lock that makes replicas starting together
// take turns. Throws when the database's schema is newer than kPostgresSchemaVersion.
void migrate_postgres_schema(postgres::Connection& db);

class PostgresWriter : public StoreWriter {
 public:
  PostgresWriter(const std::string& url, RetentionPolicy retention);

  // Committed with synchronous_commit=on: the server has flushed its WAL when this returns.
  // After a lost connection the next call reconnects first.
  std::vector<InsertResult> insert_batch(const std::vector<InsertItem>& items) override;
  std::vector<std::string> prune_expired(std::int64_t now_ms) override;
  std::vector<SubjectState> load_latest() override;

 private:
  void connect_if_lost();
  void prepare();
  std::int64_t next_change();  // takes the counter: the first statement of a write transaction
  void rollback() noexcept;

  std::string url_;
  RetentionPolicy retention_;
  std::shared_ptr<spdlog::logger> log_;
  postgres::Connection db_;
  bool must_reconnect_ = false;  // a failed pipeline left the connection unusable
};

class PostgresReader : public StoreReader {
 public:
  PostgresReader(const std::string& url, int connections);
  ~PostgresReader() override;

  std::vector<HistoryEntry> history(const std::optional<std::string>& node, int limit) override;
  std::optional<StoredReport> report(const std::string& report_id) override;
  std::vector<LatestReport> latest_of_node(const std::string& node) override;
  std::int64_t database_bytes() override;
  std::optional<StoreChanges> changes_since(std::int64_t cursor) override;

 private:
  class Lease;
  Lease acquire();
  // A new connection in the lease's place; throws StoreUnavailable when none can be made.
  void reconnect(Lease& lease);
  // Runs `read` on a leased connection; when the connection turns out to be lost, once more on
  // a new one.
  template <typename Read>
  auto with_connection(Read read);

  std::string url_;
  std::mutex mutex_;
  std::condition_variable available_;
  std::vector<std::unique_ptr<postgres::Connection>> idle_;
};

}  // namespace capprobe::collector
