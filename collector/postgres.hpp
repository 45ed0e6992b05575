// A thin RAII layer over libpq: one connection, its prepared statements, and results. Values are
// always sent as parameters (no SQL is built from values). Errors throw PostgresError with the
// server's message and SQLSTATE.
#pragma once

#include <chrono>
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
  PostgresError(const std::string& what, std::string sqlstate, bool timed_out = false)
      : std::runtime_error(what), sqlstate_(std::move(sqlstate)), timed_out_(timed_out) {}
  const std::string& sqlstate() const { return sqlstate_; }  // empty: no server answer
  // No answer came within the connection's answer timeout (Connection::set_answer_timeout).
  bool timed_out() const { return timed_out_; }

 private:
  std::string sqlstate_;
  bool timed_out_ = false;
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

  // The longest exec(), query() and run() wait for the server's answer; zero (the default): as
  // long as libpq does. A server that hangs (stopped, its disk stuck) keeps a socket that answers
  // keepalives, so neither the TCP settings nor statement_timeout, which the server itself
  // enforces, bound that wait. After a timeout the connection counts as lost (ok() is false)
  // until reset(): the answer may still come, and nothing else can be read before it.
  void set_answer_timeout(std::chrono::milliseconds timeout) { answer_timeout_ = timeout; }

  // False once the server connection is lost, or an answer timed out.
  bool ok() const;
  // Reconnects (blocking, bounded by the connect timeout); statements must be prepared again.
  // Throws when the server cannot be reached.
  void reset();

 private:
  Result check(pg_result* result, const char* what);
  // The answer to what a PQsend* call (`sent`, its return) sent, waited for within the answer
  // timeout: the first failed result, else the last one, as PQexec keeps.
  pg_result* answer_within(int sent, const char* what);
  // Whether answers are waited for within the timeout; throws after a timeout until reset().
  bool answers_bounded(const char* what) const;
  void silence_notices();

  pg_conn* conn_ = nullptr;
  int syncs_pending_ = 0;  // sync() sent, sync_result() not yet read
  std::chrono::milliseconds answer_timeout_{0};
  bool timed_out_ = false;  // an answer did not come in time; reset() clears it
};

}  // namespace capprobe::collector::postgres
