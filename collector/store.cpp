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
  if (!postgres::is_postgres_url(db)) return db;
  // postgres://user:password@host/... and ?password=...: the password never reaches a log.
  std::string shown = db;
  const auto scheme_end = shown.find("://") + 3;
  const auto at = shown.find('@', scheme_end);
  const auto colon = shown.find(':', scheme_end);
  if (at != std::string::npos && colon != std::string::npos && colon < at)
    shown.replace(colon + 1, at - colon - 1, "***");
  for (auto key = shown.find("password="); key != std::string::npos;
       key = shown.find("password=", key + 1)) {
    const auto value = key + 9;
    const auto end = shown.find('&', value);
    shown.replace(value, (end == std::string::npos ? shown.size() : end) - value, "***");
  }
  return shown;
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
