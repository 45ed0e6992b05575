// The store for a --db value, and the results summary both stores keep.
#include "collector/store.hpp"

#include <stdexcept>

#include <nlohmann/json.hpp>

#include "collector/postgres_store.hpp"
#include "collector/sqlite_store.hpp"

namespace capprobe::collector {

OpenedStore open_store(const std::string& db, RetentionPolicy retention, int reader_connections) {
  OpenedStore store;
  if (postgres::is_postgres_url(db)) {
    store.writer = std::make_unique<PostgresWriter>(db, retention);
    store.reader = std::make_unique<PostgresReader>(db, reader_connections);
    store.shared = true;
  } else {
    store.writer = std::make_unique<SqliteWriter>(db, retention);
    store.reader = std::make_unique<SqliteReader>(db, reader_connections);
  }
  return store;
}

std::string describe_store(const std::string& db) {
  // postgres://user:password@host/... and ?password=...: the password never reaches a log.
  return postgres::is_postgres_url(db) ? postgres::without_passwords(db, db) : db;
}

std::string results_to_json(const std::vector<ResultSummary>& results) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& result : results)
    list.push_back(
        {result.id, probes::to_string(result.status),
         result.requested ? nlohmann::json(*result.requested) : nlohmann::json(nullptr)});
  return list.dump();
}

std::vector<ResultSummary> results_from_json(const std::string& text) {
  std::vector<ResultSummary> results;
  for (const auto& entry : nlohmann::json::parse(text)) {
    ResultSummary result;
    result.id = entry.at(0).get<std::string>();
    const auto status = probes::status_from_string(entry.at(1).get<std::string>());
    if (!status) throw std::runtime_error("stored result with an unknown status");
    result.status = *status;
    if (!entry.at(2).is_null()) result.requested = entry.at(2).get<bool>();
    results.push_back(std::move(result));
  }
  return results;
}

}  // namespace capprobe::collector
