// A private PostgreSQL server for tests: initdb and pg_ctl from Debian's postgresql package, in a
// temporary directory, run as an unprivileged user (nobody, when the tests run as root: the
// server refuses to run as root), reachable only through a unix socket in that directory.
#pragma once

#include <string>
#include <vector>

namespace capprobe::collector::testing {

// Empty when a server can be started here; otherwise why not (for "SKIPPED: <why>").
std::string postgres_unavailable();

class PostgresServer {
 public:
  PostgresServer();   // initdb and start; throws with the server's log when that fails
  ~PostgresServer();  // stops it (immediate) and removes everything
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  // The --db URL of database `database` (created by create_database(), or "postgres").
  std::string url(const std::string& database = "postgres") const;
  void create_database(const std::string& name);
  // pg_ctl stop -m immediate (as a crash would leave it) and start again on the same data.
  void stop();
  void start();
  // A server that hangs rather than goes away (stopped by a debugger, its disk stuck): the
  // postmaster and every backend SIGSTOPped, their sockets open and silent. wake() continues
  // them; the destructor does too.
  void hang();
  void wake();
  std::string log() const;

 private:
  std::string dir_;
  std::string bin_;
  std::vector<int> hung_;
};

}  // namespace capprobe::collector::testing

// In a TEST_CASE: returns from it with "SKIPPED: <why>" where no PostgreSQL server can be started,
// and fails instead under CI=true, where setup.sh installs it.
#define CAPPROBE_REQUIRE_POSTGRES()                                                           \
  do {                                                                                        \
    const auto why_not = ::capprobe::collector::testing::postgres_unavailable();              \
    if (!why_not.empty()) {                                                                   \
      const char* ci = std::getenv("CI");                                                     \
      if (ci && std::string(ci) == "true") FAIL("PostgreSQL is required in CI: " << why_not); \
      std::cout << "SKIPPED: " << why_not << std::endl;                                       \
      return;                                                                                 \
    }                                                                                         \
  } while (false)
