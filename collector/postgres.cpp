// libpq calls behind the wrapper. Every result is checked; a failed one throws with the server's
// message, so that a caller's transaction is rolled back by its own catch.
#include "collector/postgres.hpp"

#include <dlfcn.h>
#include <libpq-fe.h>

#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <mutex>

namespace capprobe::collector::postgres {
namespace {

// libpq is loaded when a collector first connects to PostgreSQL, not when capprobe starts: the
// agent and every other command are the same binary, and libpq brings OpenSSL, Kerberos and
// LDAP libraries, megabytes resident, that they must not carry (the idle agent's test checks
// that no TLS library is mapped). The functions are libpq-fe.h's, resolved by name.
// clang-format off (it does not settle on a layout for this list)
#define CAPPROBE_LIBPQ_FUNCTIONS(X) \
  X(PQconnectdbParams)              \
  X(PQstatus)                       \
  X(PQerrorMessage)                 \
  X(PQfinish)                       \
  X(PQreset)                        \
  X(PQsetNoticeProcessor)           \
  X(PQexec)                         \
  X(PQexecParams)                   \
  X(PQprepare)                      \
  X(PQexecPrepared)                 \
  X(PQresultStatus)                 \
  X(PQresultErrorField)             \
  X(PQresultErrorMessage)           \
  X(PQclear)                        \
  X(PQntuples)                      \
  X(PQgetisnull)                    \
  X(PQgetvalue)                     \
  X(PQgetlength)                    \
  X(PQenterPipelineMode)            \
  X(PQexitPipelineMode)             \
  X(PQpipelineStatus)               \
  X(PQsendQueryPrepared)            \
  X(PQpipelineSync)                 \
  X(PQgetResult)                    \
  X(PQsendQuery)                    \
  X(PQsendQueryParams)              \
  X(PQsocket)                       \
  X(PQisBusy)                       \
  X(PQconsumeInput)
// clang-format on

struct Libpq {
#define CAPPROBE_DECLARE(name) decltype(&::name) name = nullptr;
  CAPPROBE_LIBPQ_FUNCTIONS(CAPPROBE_DECLARE)
#undef CAPPROBE_DECLARE
  std::string error;  // why it could not be loaded; empty when it was
};

Libpq load_libpq() {
  Libpq lib;
  // The runtime package's soname (libpq5); kept loaded for the life of the process.
  void* handle = dlopen("libpq.so.5", RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    const char* why = dlerror();
    lib.error = std::string("cannot load libpq.so.5 (Debian's libpq5): ") + (why ? why : "");
    return lib;
  }
#define CAPPROBE_RESOLVE(name)                                          \
  lib.name = reinterpret_cast<decltype(&::name)>(dlsym(handle, #name)); \
  if (!lib.name && lib.error.empty())                                   \
    lib.error = "libpq.so.5 lacks " #name " (libpq 14 or later is needed)";
  CAPPROBE_LIBPQ_FUNCTIONS(CAPPROBE_RESOLVE)
#undef CAPPROBE_RESOLVE
  return lib;
}

// The loaded library; throws when it cannot be had. Loaded once, on first use.
const Libpq& pq() {
  static const Libpq lib = load_libpq();
  if (!lib.error.empty()) throw PostgresError(lib.error, "");
  return lib;
}

}  // namespace

namespace {

std::string trimmed(const char* message) {
  std::string text = message ? message : "";
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

}  // namespace

bool is_postgres_url(std::string_view db) {
  return db.rfind("postgres://", 0) == 0 || db.rfind("postgresql://", 0) == 0;
}

namespace {

std::string percent_decoded(std::string_view text) {
  const auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && hex(text[i + 1]) >= 0 && hex(text[i + 2]) >= 0) {
      out += static_cast<char>(hex(text[i + 1]) * 16 + hex(text[i + 2]));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

// The passwords `url` carries, as written: userinfo's ("user:PASSWORD@") and each password=.
std::vector<std::string> written_passwords(std::string_view url) {
  std::vector<std::string> found;
  const auto scheme = url.find("://");
  if (scheme == std::string_view::npos) return found;
  const auto authority = scheme + 3;
  // The user information ends at an '@' before the path: the last one, as a user means it, and
  // the first one, as libpq reads it, which leaves the rest of a password with a raw '@' in the
  // host name that its errors quote. Each piece between them is hidden too.
  const auto authority_end = url.find('/', authority);
  const auto last_at =
      url.rfind('@', authority_end == std::string_view::npos ? url.size() : authority_end);
  const auto colon = url.find(':', authority);
  if (last_at != std::string_view::npos && last_at >= authority &&
      colon != std::string_view::npos && colon < last_at) {
    const auto password = url.substr(colon + 1, last_at - colon - 1);
    found.emplace_back(password);
    for (std::size_t piece = 0; password.find('@') != std::string_view::npos;) {
      const auto at = password.find('@', piece);
      const auto end = at == std::string_view::npos ? password.size() : at;
      found.emplace_back(password.substr(piece, end - piece));
      if (at == std::string_view::npos) break;
      piece = at + 1;
    }
  }
  for (auto key = url.find("password=", authority); key != std::string_view::npos;
       key = url.find("password=", key + 1)) {
    const auto value = key + 9;
    const auto end = url.find('&', value);
    found.emplace_back(
        url.substr(value, (end == std::string_view::npos ? url.size() : end) - value));
  }
  return found;
}

void replace_all(std::string& text, const std::string& secret) {
  if (secret.empty()) return;
  for (auto at = text.find(secret); at != std::string::npos; at = text.find(secret, at + 3))
    text.replace(at, secret.size(), "***");
}

}  // namespace

std::string without_passwords(std::string text, std::string_view url) {
  auto secrets = written_passwords(url);
  // The longest first: a piece must not cut up the whole it belongs to before that is hidden.
  std::sort(secrets.begin(), secrets.end(),
            [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  for (const auto& written : secrets) {
    replace_all(text, written);
    replace_all(text, percent_decoded(written));
  }
  return text;
}

Result::~Result() {
  if (result_) pq().PQclear(result_);
}

int Result::rows() const {
  return pq().PQntuples(result_);
}

bool Result::is_null(int row, int column) const {
  return pq().PQgetisnull(result_, row, column) != 0;
}

std::string Result::text(int row, int column) const {
  return std::string(pq().PQgetvalue(result_, row, column),
                     static_cast<std::size_t>(pq().PQgetlength(result_, row, column)));
}

std::int64_t Result::integer(int row, int column) const {
  const char* value = pq().PQgetvalue(result_, row, column);
  const auto length = static_cast<std::size_t>(pq().PQgetlength(result_, row, column));
  std::int64_t number = 0;
  const auto [end, error] = std::from_chars(value, value + length, number);
  if (error != std::errc() || end != value + length)
    throw PostgresError("not an integer in a result: " + std::string(value, length), "");
  return number;
}

std::optional<std::string> Result::optional_text(int row, int column) const {
  if (is_null(row, column)) return std::nullopt;
  return text(row, column);
}

Connection::Connection(const std::string& url) {
  // Earlier keywords are overridden by what the URI itself sets (libpq expands dbname in place).
  const char* keywords[] = {"connect_timeout",
                            "keepalives_idle",
                            "keepalives_interval",
                            "keepalives_count",
                            "tcp_user_timeout",
                            "application_name",
                            "dbname",
                            nullptr};
  const char* values[] = {"5", "10", "5", "3", "30000", "capprobe-collector", url.c_str(), nullptr};
  conn_ = pq().PQconnectdbParams(keywords, values, 1);
  if (!conn_) throw PostgresError("out of memory connecting to PostgreSQL", "");
  if (pq().PQstatus(conn_) != CONNECTION_OK) {
    const auto message = trimmed(pq().PQerrorMessage(conn_));
    pq().PQfinish(conn_);
    conn_ = nullptr;
    throw PostgresError("cannot connect to PostgreSQL: " + without_passwords(message, url), "");
  }
  silence_notices();
}

// The server's notices (a NOTICE from CREATE TABLE IF NOT EXISTS, the WARNING of a shutdown)
// would go to stderr beside the collector's log; errors reach the caller as exceptions anyway.
void Connection::silence_notices() {
  pq().PQsetNoticeProcessor(
      conn_, [](void*, const char*) {}, nullptr);
}

Connection::~Connection() {
  if (conn_) pq().PQfinish(conn_);
}

bool Connection::ok() const {
  return !timed_out_ && pq().PQstatus(conn_) == CONNECTION_OK;
}

void Connection::reset() {
  pq().PQreset(conn_);
  syncs_pending_ = 0;
  timed_out_ = false;
  if (pq().PQstatus(conn_) != CONNECTION_OK)
    throw PostgresError("cannot reconnect to PostgreSQL: " + trimmed(pq().PQerrorMessage(conn_)),
                        "");
  silence_notices();
}

Result Connection::check(pg_result* result, const char* what) {
  Result owned(result);
  const auto status = pq().PQresultStatus(result);
  if (result && (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK)) return owned;
  std::string sqlstate;
  std::string message;
  if (result) {
    if (const char* state = pq().PQresultErrorField(result, PG_DIAG_SQLSTATE)) sqlstate = state;
    message = trimmed(pq().PQresultErrorMessage(result));
  }
  if (message.empty()) message = trimmed(pq().PQerrorMessage(conn_));
  throw PostgresError(std::string(what) + ": " + message, sqlstate);
}

pg_result* Connection::answer_within(int sent, const char* what) {
  if (sent != 1) return nullptr;  // check() reports libpq's reason
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + answer_timeout_;
  pg_result* kept = nullptr;
  const auto failed = [](pg_result* result) {
    const auto status = pq().PQresultStatus(result);
    return status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK;
  };
  const auto give_up = [&](const std::string& why) {
    timed_out_ = true;  // the answer may still come: the connection is reset before reuse
    if (kept) pq().PQclear(kept);
    throw PostgresError(std::string(what) + ": " + why, "", true);
  };
  // The socket is waited on in short slices and libpq asked to read after each, readable or
  // not: over TLS the rest of an answer can sit decrypted-pending in OpenSSL's buffer, which no
  // poll of the socket reports, and libpq reads only part of it a call.
  constexpr std::chrono::milliseconds kSlice{20};
  for (;;) {
    while (pq().PQisBusy(conn_)) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (left.count() <= 0)
        give_up("PostgreSQL sent no answer within " + std::to_string(answer_timeout_.count()) +
                " ms");
      pollfd socket{pq().PQsocket(conn_), POLLIN, 0};
      if (poll(&socket, 1, static_cast<int>(std::min(left, kSlice).count())) < 0 && errno != EINTR)
        give_up(std::string("waiting for PostgreSQL's answer failed: ") + std::strerror(errno));
      if (pq().PQconsumeInput(conn_) != 1) {
        // A lost connection: PQgetResult reports it at once. A live one that failed to read
        // (out of memory) would make PQgetResult wait without a bound.
        if (pq().PQstatus(conn_) == CONNECTION_OK)
          give_up("reading PostgreSQL's answer failed: " + trimmed(pq().PQerrorMessage(conn_)));
        break;
      }
    }
    pg_result* next = pq().PQgetResult(conn_);
    if (!next) return kept;
    if (kept && failed(kept)) {
      pq().PQclear(next);
    } else {
      if (kept) pq().PQclear(kept);
      kept = next;
    }
  }
}

bool Connection::answers_bounded(const char* what) const {
  // A timed-out answer may still arrive, and libpq would wait for it before anything else.
  if (timed_out_)
    throw PostgresError(std::string(what) + ": an earlier answer on this connection timed out", "",
                        true);
  return answer_timeout_.count() > 0;
}

void Connection::exec(const char* sql) {
  if (answers_bounded(sql))
    check(answer_within(pq().PQsendQuery(conn_, sql), sql), sql);
  else
    check(pq().PQexec(conn_, sql), sql);
}

namespace {

// libpq takes text parameters as NUL-terminated strings: each value is copied into one.
struct Values {
  explicit Values(const std::vector<Param>& params) {
    copies.reserve(params.size());
    for (const auto& param : params) {
      // A text parameter ends at its first NUL: refuse what would be stored cut short.
      if (param && param->find('\0') != std::string_view::npos)
        throw PostgresError("a text value with a NUL byte cannot be stored", "");
      copies.emplace_back(param ? *param : std::string_view());
      pointers.push_back(param ? copies.back().c_str() : nullptr);
    }
  }
  std::vector<std::string> copies;
  std::vector<const char*> pointers;
};

}  // namespace

Result Connection::query(const char* sql, const std::vector<Param>& params) {
  const Values values(params);
  if (answers_bounded(sql))
    return check(
        answer_within(pq().PQsendQueryParams(conn_, sql, static_cast<int>(params.size()), nullptr,
                                             values.pointers.data(), nullptr, nullptr, 0),
                      sql),
        sql);
  return check(pq().PQexecParams(conn_, sql, static_cast<int>(params.size()), nullptr,
                                 values.pointers.data(), nullptr, nullptr, 0),
               sql);
}

void Connection::prepare(const char* name, const char* sql) {
  check(pq().PQprepare(conn_, name, sql, 0, nullptr), name);
}

Result Connection::run(const char* name, const std::vector<Param>& params) {
  const Values values(params);
  if (answers_bounded(name))
    return check(
        answer_within(pq().PQsendQueryPrepared(conn_, name, static_cast<int>(params.size()),
                                               values.pointers.data(), nullptr, nullptr, 0),
                      name),
        name);
  return check(pq().PQexecPrepared(conn_, name, static_cast<int>(params.size()),
                                   values.pointers.data(), nullptr, nullptr, 0),
               name);
}

void Connection::pipeline_begin() {
  if (pq().PQenterPipelineMode(conn_) != 1)
    throw PostgresError("cannot enter pipeline mode: " + trimmed(pq().PQerrorMessage(conn_)), "");
}

void Connection::send(const char* name, const std::vector<Param>& params) {
  const Values values(params);  // libpq copies the values into its output buffer here
  if (pq().PQsendQueryPrepared(conn_, name, static_cast<int>(params.size()), values.pointers.data(),
                               nullptr, nullptr, 0) != 1)
    throw PostgresError(std::string(name) + ": " + trimmed(pq().PQerrorMessage(conn_)), "");
}

void Connection::sync() {
  if (pq().PQpipelineSync(conn_) != 1)
    throw PostgresError("pipeline sync: " + trimmed(pq().PQerrorMessage(conn_)), "");
  ++syncs_pending_;
}

Result Connection::result() {
  pg_result* next = pq().PQgetResult(conn_);
  if (!next)
    throw PostgresError("no result in the pipeline: " + trimmed(pq().PQerrorMessage(conn_)), "");
  if (pq().PQresultStatus(next) == PGRES_PIPELINE_ABORTED) {
    pq().PQclear(next);
    throw PostgresError("skipped after an earlier error in the pipeline", "");
  }
  auto owned = check(next, "pipelined statement");
  // Each statement's results end with a null.
  if (pg_result* end = pq().PQgetResult(conn_)) {
    pq().PQclear(end);
    throw PostgresError("more than one result for a pipelined statement", "");
  }
  return owned;
}

void Connection::sync_result() {
  pg_result* next = pq().PQgetResult(conn_);
  const bool synced = next && pq().PQresultStatus(next) == PGRES_PIPELINE_SYNC;
  if (next) pq().PQclear(next);
  if (synced) --syncs_pending_;
  if (!synced)
    throw PostgresError(
        "the pipeline did not end where expected: " + trimmed(pq().PQerrorMessage(conn_)), "");
}

void Connection::pipeline_end() {
  if (pq().PQexitPipelineMode(conn_) != 1)
    throw PostgresError("cannot leave pipeline mode: " + trimmed(pq().PQerrorMessage(conn_)), "");
}

bool Connection::pipeline_abandon() noexcept {
  if (pq().PQpipelineStatus(conn_) == PQ_PIPELINE_OFF) return true;
  // Statements sent without a sync would never be answered: end them with one.
  if (syncs_pending_ == 0) {
    if (pq().PQpipelineSync(conn_) != 1) return false;
    ++syncs_pending_;
  }
  // Read up to the last sync's marker; a lost connection ends it too.
  while (syncs_pending_ > 0 && pq().PQstatus(conn_) == CONNECTION_OK) {
    pg_result* next = pq().PQgetResult(conn_);
    if (!next) {
      // Between statements; and with nothing left to read on a lost connection, nothing comes.
      if (pq().PQstatus(conn_) != CONNECTION_OK) break;
      continue;
    }
    if (pq().PQresultStatus(next) == PGRES_PIPELINE_SYNC) --syncs_pending_;
    pq().PQclear(next);
  }
  syncs_pending_ = 0;
  return pq().PQstatus(conn_) == CONNECTION_OK && pq().PQexitPipelineMode(conn_) == 1;
}

}  // namespace capprobe::collector::postgres
