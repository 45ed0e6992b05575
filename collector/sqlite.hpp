// A thin RAII layer over the SQLite C API: connections and prepared statements with bound
// values (no SQL is ever built from values). Errors throw SqliteError with SQLite's message.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace capprobe::collector::sqlite {

class SqliteError : public std::runtime_error {
 public:
  SqliteError(const std::string& what, int code) : std::runtime_error(what), code_(code) {}
  int code() const { return code_; }

 private:
  int code_;
};

class Statement;

class Database {
 public:
  Database(const std::string& path, bool read_only);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  void exec(const char* sql);  // for fixed statements without values (schema, pragmas)
  Statement prepare(const char* sql);
  std::int64_t changes() const;
  std::int64_t last_insert_rowid() const;
  sqlite3* handle() const { return db_; }

  // Called on this connection's thread after each of its commits, with the WAL's size in pages.
  // Replaces SQLite's automatic checkpoint on this connection: the hook decides when the WAL
  // is copied back into the database file. Must not throw.
  using WalHook = std::function<void(int wal_pages)>;
  void on_wal_commit(WalHook hook);

  struct Checkpoint {
    bool busy = false;  // another connection's checkpoint was running: nothing was done
    int wal_pages = 0;
    int copied_pages = 0;  // of wal_pages, those now in the database file
  };
  // A PASSIVE checkpoint: copies what it can without waiting for readers or the writer, and
  // syncs the database file (synchronous=FULL) before the WAL may be reused.
  Checkpoint checkpoint();

 private:
  sqlite3* db_ = nullptr;
  WalHook wal_hook_;
};

class Statement {
 public:
  Statement(Database& db, const char* sql);
  ~Statement();
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&&) = delete;
  Statement(const Statement&) = delete;

  // Parameters are numbered from 1, as in SQL's ?1.
  Statement& bind(int index, std::int64_t value);
  Statement& bind(int index, std::string_view text);
  Statement& bind_blob(int index, std::string_view bytes);
  Statement& bind_null(int index);
  Statement& bind(int index, const std::optional<std::string>& text);

  bool step();   // true: a row is ready; false: done
  void reset();  // also clears bindings, so that a reused statement starts clean

  std::int64_t column_int(int index) const;
  std::string column_text(int index) const;  // blobs read the same way
  bool column_is_null(int index) const;

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

// Runs `sql` through a statement and returns the first column of the first row.
std::int64_t query_int(Database& db, const char* sql);

}  // namespace capprobe::collector::sqlite
