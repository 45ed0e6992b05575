// What the collector leaves on disk: the database and the WAL files beside it are readable by the
// collector's user only, also when an earlier run left them wider. (Run under umask 022, the
// usual service default, so that the modes are the code's and not the environment's.)
#include <catch2/catch.hpp>

#include <cstdio>

#include "support/collector_process.hpp"
#include "support/http_client.hpp"
#include "support/sample_report.hpp"
#include "support/text.hpp"

using namespace capprobe::collector::testing;

namespace {

HttpReply post_report(std::uint16_t port, const std::string& id) {
  SampleOptions options;
  options.report_id = id;
  options.target_bytes = 4096;
  return http_request(port, "POST", "/api/v1/reports", sample_report_text(options));
}

void check_owner_only(const std::string& db) {
  for (const char* suffix : {"", "-wal", "-shm"}) {
    const auto path = cat({db, suffix});
    INFO(path);
    CHECK(mode_text(path) == "0600");
  }
}

}  // namespace

TEST_CASE("after a report is stored, the database, its WAL and index are 0600") {
  ScopedUmask service_default(022);
  TempDir dir;
  const auto db = dir.path() + "/c.db";
  CollectorProcess collector(db, {"--public-read"});
  // 202 comes after the commit, so the WAL and its index exist by now.
  REQUIRE(post_report(collector.port(), "mode-1").status == 202);
  check_owner_only(db);
}

TEST_CASE("a database left readable by others is tightened to 0600 at start, and logged") {
  ScopedUmask service_default(022);
  TempDir dir;
  const auto db = dir.path() + "/c.db";
  std::fclose(std::fopen(db.c_str(), "w"));  // an empty file is an empty SQLite database
  REQUIRE(mode_text(db) == "0644");
  CollectorProcess collector(db, {"--public-read"});
  CHECK(mode_text(db) == "0600");
  const auto log = collector.log();
  INFO(log);
  CHECK(log.find(cat({db, " was open to others (mode 0644)"})) != std::string::npos);
  REQUIRE(post_report(collector.port(), "mode-2").status == 202);
  check_owner_only(db);
}
