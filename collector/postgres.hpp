// A thin RAII layer over libpq: one connection, its prepared statements, and results. Values are
// always sent as parameters (no SQL is built from values). Errors throw PostgresError with the
// server's message and SQLSTATE.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

struct pg_conn;
struct pg_result;

namespace capprobe::collector::postgres {

class PostgresError : public std::runtime_error {
 public:
  PostgresError(const std::string& what, std::string sqlstate)
      : std::runtime_error(what), sqlstate_(std::move(sqlstate)) {}
  const std::string& sqlstate() const { return sqlstate_; }  // empty: no server answer

 private:
  std::string sqlstate_;
};

// True for "postgres://..." and "postgresql://...": the --db values this layer takes.
bool is_postgres_url(std::string_view db);

// `text` with every password `url` carries (its userinfo's and any password= parameter), as
// written and percent-decoded, replaced by ***: libpq quotes a part of the URL it cannot parse
// back in its error ("invalid percent-encoded token"), password and all.
std::string without_passwords(std::string text, std::string_view url);

// A parameter value: text, or SQL NULL.
using Param = std::optional<std::string_view>;

class Result {
 public:
  explicit Result(pg_result* result) : result_(result) {}
  ~Result();
  Result(Result&& other) noexcept : result_(other.result_) { other.result_ = nullptr; }
  Result& operator=(Result&&) = delete;
  Result(const Result&) = delete;

  int rows() const;
  bool is_null(int row, int column) const;
  std::string text(int row, int column) const;
  std::int64_t integer(int row, int column) const;
  std::optional<std::string> optional_text(int row, int column) const;

 private:
  pg_result* result_;
};

class Connection {
 public:
  // `url` is a libpq connection URI. Bounded waits are added where the URI sets none: 5 s to
  // connect, and TCP keepalives and a user timeout so that a peer that vanished is noticed.
  explicit Connection(const std::string& url);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // For fixed statements without values (schema, SET, BEGIN, COMMIT).
  void exec(const char* sql);
  Result query(const char* sql, const std::vector<Param>& params = {});
  // Prepared once per connection (and again after a reconnect) under `name`.
  void prepare(const char* name, const char* sql);
  Result run(const char* name, const std::vector<Param>& params);

  // Pipeline mode: statements sent without waiting for each answer, then their results read in
  // order; one round trip for many statements. Between pipeline_begin() and pipeline_end():
  // send() each, sync(), then one result() per send() and sync_result(). After an error,
  // pipeline_abandon() reads what is left and leaves pipeline mode; false when that failed and
  // the connection must be reset before it is used again.
  void pipeline_begin();
  void send(const char* name, const std::vector<Param>& params);
  void sync();
  Result result();  // throws PostgresError for a failed (or skipped) statement
  void sync_result();
  void pipeline_end();
  bool pipeline_abandon() noexcept;

  // False once the server connection is lost.
  bool ok() const;
  // Reconnects (blocking, bounded by the connect timeout); statements must be prepared again.
  // Throws when the server cannot be reached.
  void reset();

 private:
  Result check(pg_result* result, const char* what);
  void silence_notices();

  pg_conn* conn_ = nullptr;
  int syncs_pending_ = 0;  // sync() sent, sync_result() not yet read
};

}  // namespace capprobe::collector::postgres
