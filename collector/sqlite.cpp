// SQLite RAII wrappers; every call's result code is checked.
#include "collector/sqlite.hpp"

#include <utility>

#include <sqlite3.h>

namespace capprobe::collector::sqlite {
namespace {

[[noreturn]] void fail(sqlite3* db, int code, const std::string& what) {
  throw SqliteError(what + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(code)), code);
}

}  // namespace

Database::Database(const std::string& path, bool read_only) {
  const int flags =
      (read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
      SQLITE_OPEN_NOMUTEX;  // each connection is used by one thread at a time
  const int code = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
  if (code != SQLITE_OK) {
    const std::string message = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(code);
    sqlite3_close(db_);
    db_ = nullptr;
    throw SqliteError("cannot open " + path + ": " + message, code);
  }
  sqlite3_extended_result_codes(db_, 1);
  // Readers and the writer meet briefly around checkpoints; wait rather than fail.
  sqlite3_busy_timeout(db_, 5000);
}

Database::~Database() {
  sqlite3_close_v2(db_);
}

void Database::exec(const char* sql) {
  char* error = nullptr;
  const int code = sqlite3_exec(db_, sql, nullptr, nullptr, &error);
  if (code != SQLITE_OK) {
    const std::string message = error ? error : sqlite3_errstr(code);
    sqlite3_free(error);
    throw SqliteError(std::string("SQL failed (") + sql + "): " + message, code);
  }
}

Statement Database::prepare(const char* sql) {
  return Statement(*this, sql);
}

std::int64_t Database::changes() const {
  return sqlite3_changes64(db_);
}

std::int64_t Database::last_insert_rowid() const {
  return sqlite3_last_insert_rowid(db_);
}

void Database::on_wal_commit(WalHook hook) {
  wal_hook_ = std::move(hook);
  sqlite3_wal_hook(
      db_,
      [](void* self, sqlite3*, const char*, int pages) {
        static_cast<Database*>(self)->wal_hook_(pages);
        return SQLITE_OK;
      },
      this);
}

Database::Checkpoint Database::checkpoint() {
  Checkpoint result;
  const int code = sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_PASSIVE,
                                             &result.wal_pages, &result.copied_pages);
  if (code == SQLITE_BUSY)
    result.busy = true;
  else if (code != SQLITE_OK)
    fail(db_, code, "checkpoint");
  return result;
}

Statement::Statement(Database& db, const char* sql) : db_(db.handle()) {
  const int code = sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr);
  if (code != SQLITE_OK) fail(db_, code, std::string("cannot prepare ") + sql);
}

Statement::~Statement() {
  sqlite3_finalize(stmt_);
}

Statement::Statement(Statement&& other) noexcept : db_(other.db_), stmt_(other.stmt_) {
  other.stmt_ = nullptr;
}

Statement& Statement::bind(int index, std::int64_t value) {
  const int code = sqlite3_bind_int64(stmt_, index, value);
  if (code != SQLITE_OK) fail(db_, code, "bind");
  return *this;
}

Statement& Statement::bind(int index, std::string_view text) {
  const int code =
      sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_STATIC, SQLITE_UTF8);
  if (code != SQLITE_OK) fail(db_, code, "bind");
  return *this;
}

Statement& Statement::bind_blob(int index, std::string_view bytes) {
  const int code = sqlite3_bind_blob64(stmt_, index, bytes.data(), bytes.size(), SQLITE_STATIC);
  if (code != SQLITE_OK) fail(db_, code, "bind");
  return *this;
}

Statement& Statement::bind_null(int index) {
  const int code = sqlite3_bind_null(stmt_, index);
  if (code != SQLITE_OK) fail(db_, code, "bind");
  return *this;
}

Statement& Statement::bind(int index, const std::optional<std::string>& text) {
  return text ? bind(index, std::string_view(*text)) : bind_null(index);
}

bool Statement::step() {
  const int code = sqlite3_step(stmt_);
  if (code == SQLITE_ROW) return true;
  if (code == SQLITE_DONE) return false;
  fail(db_, code, std::string("step ") + sqlite3_sql(stmt_));
}

void Statement::reset() {
  sqlite3_reset(stmt_);  // its code repeats the last step's error, already reported
  sqlite3_clear_bindings(stmt_);
}

std::int64_t Statement::column_int(int index) const {
  return sqlite3_column_int64(stmt_, index);
}

std::string Statement::column_text(int index) const {
  const auto* data = static_cast<const char*>(sqlite3_column_blob(stmt_, index));
  const int size = sqlite3_column_bytes(stmt_, index);
  return data ? std::string(data, static_cast<std::size_t>(size)) : std::string();
}

bool Statement::column_is_null(int index) const {
  return sqlite3_column_type(stmt_, index) == SQLITE_NULL;
}

std::int64_t query_int(Database& db, const char* sql) {
  Statement statement(db, sql);
  if (!statement.step()) throw SqliteError(std::string("no row from ") + sql, 0);
  return statement.column_int(0);
}

}  // namespace capprobe::collector::sqlite
