// What the collector keeps, behind one interface with an implementation per database:
// sqlite_store.hpp (one file that one collector owns: the embedded default) and
// postgres_store.hpp (a server that several collectors share). Both keep the history of reports
// with a retention bound and each subject's latest report, and acknowledge nothing before it is
// committed.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "collector/fleet.hpp"
#include "collector/options.hpp"

namespace capprobe::collector {

struct InsertItem {
  const IncomingReport* report;
  std::string_view body;  // the validated JSON as received: what GET /api/v1/reports/{id} returns
  std::int64_t received_at_ms;
  // results_to_json(report->results) when the caller made it already (Ingest does, on the HTTP
  // thread that submits the report); empty: insert_batch makes it.
  std::string_view results_json = {};
};

struct InsertResult {
  bool duplicate = false;
  std::int64_t seq = 0;  // the new row (0 for a duplicate)
};

struct HistoryEntry {
  std::string report_id;
  std::int64_t received_at_ms = 0;
  std::string subject_json;
};

struct StoredReport {
  std::string body;
  std::int64_t received_at_ms = 0;
};

struct LatestReport {
  std::string subject_key;
  std::int64_t received_at_ms = 0;
  std::string body;
};

// What changed in a shared store after a cursor, by this collector or another.
struct StoreChanges {
  std::vector<std::string> removed;   // subjects retention removed: apply these first
  std::vector<SubjectState> updated;  // subjects' latest states as stored now
  std::int64_t cursor = 0;            // for the next call
};

// A read failed because the store cannot be reached now (the PostgreSQL server is away), not
// because of the request: the API answers 503 with Retry-After, as it does to a report POSTed
// then, rather than 500.
class StoreUnavailable : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The ingest thread's side: one caller at a time.
class StoreWriter {
 public:
  virtual ~StoreWriter() = default;
  // One transaction for the whole batch ("group commit"): when this returns, every accepted
  // report is durable. Throws after rolling back; then nothing of the batch was stored.
  virtual std::vector<InsertResult> insert_batch(const std::vector<InsertItem>& items) = 0;
  // Age retention: removes reports older than the policy's max age, and the subjects whose
  // latest report is that old. Returns the removed subject keys. Bounded work per call.
  virtual std::vector<std::string> prune_expired(std::int64_t now_ms) = 0;
  virtual std::vector<SubjectState> load_latest() = 0;
};

// The HTTP threads' side: any number of callers at once.
class StoreReader {
 public:
  virtual ~StoreReader() = default;
  virtual std::vector<HistoryEntry> history(const std::optional<std::string>& node, int limit) = 0;
  virtual std::optional<StoredReport> report(const std::string& report_id) = 0;
  virtual std::vector<LatestReport> latest_of_node(const std::string& node) = 0;
  virtual std::int64_t database_bytes() = 0;
  // A store that other collectors write too: what changed since `cursor` (0: everything).
  // nullopt for a store only this collector writes, whose fleet already knows every change.
  virtual std::optional<StoreChanges> changes_since(std::int64_t /*cursor*/) {
    return std::nullopt;
  }
};

struct OpenedStore {
  std::unique_ptr<StoreWriter> writer;
  std::unique_ptr<StoreReader> reader;
  bool shared = false;  // other collectors may write it: follow its changes
};

// `db` is what --db says: a postgres:// or postgresql:// URL, or else a SQLite file's path.
// Creates or migrates the schema; throws when the store cannot be opened or its schema is newer
// than this collector knows.
OpenedStore open_store(const std::string& db, RetentionPolicy retention, int reader_connections);
// The --db value as logs show it: a URL's password replaced by ***.
std::string describe_store(const std::string& db);

// The compact form of results kept with each subject's latest report: [[id, status, requested]].
std::string results_to_json(const std::vector<ResultSummary>& results);
std::vector<ResultSummary> results_from_json(const std::string& text);

}  // namespace capprobe::collector
