// The collector on PostgreSQL, as real processes on loopback against a private server: 202 only
// after commit, de-duplication across replicas, history and retention, a report posted to one
// replica in the other's matrix, kill -9 of a replica, a schema newer than the collector, and a
// database that goes away and comes back.
#include <catch2/catch.hpp>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iostream>
#include <iterator>
#include <mutex>
#include <set>
#include <thread>

#include "collector/postgres.hpp"
#include "support/collector_process.hpp"
#include "support/http_client.hpp"
#include "support/postgres_server.hpp"
#include "support/sample_report.hpp"
#include "support/text.hpp"

using namespace capprobe::collector::testing;
using capprobe::collector::postgres::Connection;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

std::string report(const std::string& node, const std::string& id,
                   const std::string& started_at = "2026-11-24T10:00:00Z",
                   const std::string& pod = "capprobe/agent") {
  SampleOptions options;
  options.subject.node = node;
  options.subject.pod = pod;
  options.report_id = id;
  options.started_at = started_at;
  options.target_bytes = 4 * 1024;
  return sample_report_text(options);
}

HttpReply post(std::uint16_t port, const std::string& body) {
  return http_request(port, "POST", "/api/v1/reports", body);
}

std::int64_t count(Connection& db, const char* sql, const std::string& value) {
  return db.query(sql, {value}).integer(0, 0);
}

// Every collector of these tests starts with these flags and then its own.
std::vector<std::string> flags(std::vector<std::string> own = {}) {
  own.insert(own.begin(), "--public-read");  // no token: reads are open, and must be said so
  return own;
}

// Polls `condition` until it holds or `timeout` passes; true when it held.
bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

bool node_in_matrix(std::uint16_t port, const std::string& node) {
  const auto reply = http_get(port, "/api/v1/matrix");
  if (reply.status != 200) return false;
  const auto matrix = json::parse(reply.body);
  for (const auto& entry : matrix["nodes"])
    if (entry["node"] == node) return true;
  return false;
}

std::string history_ids(std::uint16_t port, const std::string& node) {
  const auto reply = http_get(port, "/api/v1/reports?node=" + node);
  REQUIRE(reply.status == 200);
  std::string ids;
  const auto history = json::parse(reply.body);
  for (const auto& entry : history["reports"]) ids += entry["report_id"].get<std::string>() + " ";
  return ids;
}

}  // namespace

TEST_CASE("PostgreSQL: 202 only after commit, and a report_id is stored once across replicas") {
  CAPPROBE_REQUIRE_POSTGRES();
  PostgresServer server;
  CollectorProcess a(server.url(), flags());
  CollectorProcess b(server.url(), flags());
  Connection db(server.url());
  constexpr const char* kStored = "SELECT count(*) FROM reports WHERE report_id = $1";

  REQUIRE(post(a.port(), report("n1", "r-1")).status == 202);
  // Answered: committed, so another session sees it at once.
  CHECK(count(db, kStored, "r-1") == 1);
  const auto again = post(b.port(), report("n1", "r-1"));
  CHECK(again.status == 200);
  CHECK(json::parse(again.body)["status"] == "duplicate");
  CHECK(count(db, kStored, "r-1") == 1);

  // The same report to both replicas at once: one stores it, the other answers duplicate.
  for (int i = 0; i < 20; ++i) {
    const auto id = cat({"race-", std::to_string(i)});
    const auto body = report("n2", id);
    int status_a = 0, status_b = 0;
    std::thread to_a([&] { status_a = post(a.port(), body).status; });
    std::thread to_b([&] { status_b = post(b.port(), body).status; });
    to_a.join();
    to_b.join();
    INFO(id << ": " << status_a << " and " << status_b);
    CHECK(std::multiset<int>{status_a, status_b} == std::multiset<int>{200, 202});
    CHECK(count(db, kStored, id) == 1);
  }
  // Both serve a stored report, whichever stored it.
  CHECK(http_get(b.port(), "/api/v1/reports/r-1").status == 200);
  CHECK(http_get(a.port(), "/api/v1/reports/race-0").status == 200);
}

TEST_CASE("PostgreSQL: a report posted to one replica shows in the other's matrix") {
  CAPPROBE_REQUIRE_POSTGRES();
  PostgresServer server;
  CollectorProcess a(server.url(), flags());
  CollectorProcess b(server.url(), flags());
  REQUIRE(post(a.port(), report("posted-to-a", "a-1")).status == 202);
  const auto posted = std::chrono::steady_clock::now();
  // The follower polls twice a second; 15 s is a bound for a loaded machine, not a figure.
  CHECK(eventually([&] { return node_in_matrix(b.port(), "posted-to-a"); }, 15s));
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - posted);
  std::cout << "a report posted to replica A was in B's matrix after " << took.count() << " ms"
            << std::endl;
  CHECK(http_get(b.port(), "/api/v1/nodes/posted-to-a").status == 200);

  // A replica started later reads the whole fleet at start.
  CollectorProcess c(server.url(), flags());
  CHECK(node_in_matrix(c.port(), "posted-to-a"));
  // And its own reports reach the others.
  REQUIRE(post(c.port(), report("posted-to-c", "c-1")).status == 202);
  CHECK(eventually([&] { return node_in_matrix(a.port(), "posted-to-c"); }, 15s));
}

TEST_CASE("PostgreSQL: history and count retention hold across replicas") {
  CAPPROBE_REQUIRE_POSTGRES();
  PostgresServer server;
  const std::vector<std::string> keep_two{"--keep", "2"};
  CollectorProcess a(server.url(), flags(keep_two));
  CollectorProcess b(server.url(), flags(keep_two));
  // Five reports of one subject, alternately through each replica, each newer than the last.
  for (int i = 1; i <= 5; ++i) {
    const auto started = cat({"2026-11-24T10:0", std::to_string(i), ":00Z"});
    const auto& to = i % 2 ? a : b;
    REQUIRE(post(to.port(), report("h1", cat({"h-", std::to_string(i)}), started)).status == 202);
  }
  // The newest two, newest first, whichever replica is asked.
  CHECK(history_ids(a.port(), "h1") == "h-5 h-4 ");
  CHECK(history_ids(b.port(), "h1") == "h-5 h-4 ");
  // A late report that ran earlier is history but does not become the latest.
  REQUIRE(post(a.port(), report("h1", "h-old", "2026-11-24T09:00:00Z")).status == 202);
  const auto node = json::parse(http_get(b.port(), "/api/v1/nodes/h1").body);
  CHECK(node["subjects"][0]["report"]["report_id"] == "h-5");
}

TEST_CASE("PostgreSQL: age retention removes a silent subject from every replica") {
  CAPPROBE_REQUIRE_POSTGRES();
  PostgresServer server;
  CollectorProcess a(server.url(), flags());
  REQUIRE(post(a.port(), report("silent", "s-1")).status == 202);
  REQUIRE(post(a.port(), report("recent", "s-2")).status == 202);
  REQUIRE(eventually([&] { return node_in_matrix(a.port(), "silent"); }, 5s));
  // Make "silent" a report of two days ago, as if nothing had come from it since.
  Connection db(server.url());
  const auto two_days_ago = std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                                               std::chrono::system_clock::now().time_since_epoch())
                                               .count() -
                                           2LL * 24 * 3600 * 1000);
  db.query("UPDATE reports SET received_at = $1 WHERE node = 'silent'", {two_days_ago});
  db.query("UPDATE latest SET received_at = $1 WHERE node = 'silent'", {two_days_ago});

  // A replica with a one-day bound prunes at start; the replica already running follows.
  CollectorProcess b(server.url(), flags({"--max-age", "1d"}));
  CHECK(eventually([&] { return http_get(b.port(), "/api/v1/nodes/silent").status == 404; }, 15s));
  CHECK(eventually([&] { return http_get(a.port(), "/api/v1/nodes/silent").status == 404; }, 15s));
  CHECK(http_get(a.port(), "/api/v1/reports/s-1").status == 404);
  CHECK(http_get(a.port(), "/api/v1/nodes/recent").status == 200);
  CHECK(count(db, "SELECT count(*) FROM reports WHERE node = $1", "silent") == 0);

  // The subject reporting again comes back everywhere.
  REQUIRE(post(b.port(), report("silent", "s-3")).status == 202);
  CHECK(eventually([&] { return node_in_matrix(a.port(), "silent"); }, 15s));
}

TEST_CASE(
    "PostgreSQL: kill -9 of a replica during a stream of posts loses no acknowledged report") {
  CAPPROBE_REQUIRE_POSTGRES();
  PostgresServer server;
  const std::vector<std::string> keep_all{"--keep", "1000000"};
  auto a = std::make_unique<CollectorProcess>(server.url(), flags(keep_all));
  CollectorProcess b(server.url(), flags(keep_all));
  const std::uint16_t ports[] = {a->port(), b.port()};

  std::mutex mutex;
  std::vector<std::string> acknowledged;
  std::atomic<bool> a_gone{false};
  std::atomic<bool> done{false};
  std::vector<std::thread> writers;
  for (int w = 0; w < 6; ++w)
    writers.emplace_back([&, w] {
      const bool to_a = w % 2 == 0;
      HttpConnection connection(ports[to_a ? 0 : 1], 10s);
      for (int i = 0; !done && !(to_a && a_gone) && i < 100000; ++i) {
        const auto id = cat({"k", std::to_string(w), "-", std::to_string(i)});
        const auto reply = connection.request("POST", "/api/v1/reports",
                                              report(cat({"node-", std::to_string(w)}), id));
        if (reply.status == 202 || reply.status == 200) {
          std::lock_guard lock(mutex);
          acknowledged.push_back(id);
        } else if (reply.status == 0) {
          return;  // replica A died under us: what was not answered was not promised
        }
      }
    });
  REQUIRE(eventually(
      [&] {
        std::lock_guard lock(mutex);
        return acknowledged.size() >= 400;
      },
      30s));
  a->kill9();
  a_gone = true;
  // B goes on taking reports after A's death.
  std::size_t at_kill = 0;
  {
    std::lock_guard lock(mutex);
    at_kill = acknowledged.size();
  }
  CHECK(eventually(
      [&] {
        std::lock_guard lock(mutex);
        return acknowledged.size() >= at_kill + 100;
      },
      30s));
  done = true;
  for (auto& writer : writers) writer.join();

  Connection db(server.url());
  const auto rows = db.query("SELECT report_id FROM reports");
  std::set<std::string> stored;
  for (int row = 0; row < rows.rows(); ++row) stored.insert(rows.text(row, 0));
  std::vector<std::string> missing;
  for (const auto& id : acknowledged)
    if (!stored.count(id)) missing.push_back(id);
  INFO("acknowledged " << acknowledged.size() << ", stored " << stored.size());
  CHECK(missing.empty());
  if (!missing.empty()) FAIL_CHECK("first missing: " << missing.front());
  // A restarted replica serves them too.
  CollectorProcess restarted(server.url(), flags(keep_all));
  for (std::size_t i = 0; i < acknowledged.size(); i += 97)
    CHECK(http_get(restarted.port(), "/api/v1/reports/" + acknowledged[i]).status == 200);
}

// The overlay's way: the URL, password and all, in a mounted Secret rather than in argv, which
// ps and the container runtime's config show to anyone on the node.
TEST_CASE("PostgreSQL: --db-file keeps the URL, password and all, off the command line") {
  CAPPROBE_REQUIRE_POSTGRES();
  PostgresServer server;
  TempDir dir;
  const auto url_file = dir.path() + "/url";
  { std::ofstream(url_file) << server.url() << "\n"; }
  CollectorProcess a(server.url(), flags({"--db-file", url_file}));
  CHECK(post(a.port(), report("n1", "from-db-file")).status == 202);
  Connection db(server.url());
  CHECK(count(db, "SELECT count(*) FROM reports WHERE report_id = $1", "from-db-file") == 1);
  std::ifstream cmdline("/proc/" + std::to_string(a.pid()) + "/cmdline", std::ios::binary);
  const std::string argv((std::istreambuf_iterator<char>(cmdline)), {});
  INFO(argv);
  CHECK(argv.find("--db-file") != std::string::npos);
  CHECK(argv.find(server.url()) == std::string::npos);
}

TEST_CASE("PostgreSQL: a collector refuses a schema newer than it knows") {
  CAPPROBE_REQUIRE_POSTGRES();
  PostgresServer server;
  { CollectorProcess first(server.url(), flags()); }  // creates the schema
  Connection db(server.url());
  CHECK(db.query("SELECT version FROM schema_version").integer(0, 0) == 1);
  db.exec("UPDATE schema_version SET version = 99");
  try {
    CollectorProcess refused(server.url(), flags());
    FAIL("the collector started on a schema of version 99");
  } catch (const std::runtime_error& error) {
    const std::string what = error.what();
    INFO(what);
    CHECK(what.find("exited at start") != std::string::npos);
    CHECK(what.find("schema is version 99, newer than this collector knows (1)") !=
          std::string::npos);
  }
  // Nothing was changed by the refused start.
  CHECK(db.query("SELECT version FROM schema_version").integer(0, 0) == 99);
}

TEST_CASE(
    "PostgreSQL: while the database is away reports and stored reads get 503, never 202 or 500, "
    "and then recover") {
  CAPPROBE_REQUIRE_POSTGRES();
  PostgresServer server;
  CollectorProcess a(server.url(), flags());
  REQUIRE(post(a.port(), report("n1", "before")).status == 202);

  server.stop();
  for (int i = 0; i < 5; ++i) {
    const auto reply = post(a.port(), report("n1", cat({"during-", std::to_string(i)})));
    INFO(reply.status << " " << reply.body);
    CHECK(reply.status == 503);
    CHECK(reply.retry_after == "1");
  }
  // What is in memory is still served.
  CHECK(node_in_matrix(a.port(), "n1"));
  CHECK(http_get(a.port(), "/healthz").status == 200);
  // What only the database holds is "retry later", as a POST is told, not a server error.
  for (const std::string target :
       {"/api/v1/reports/before", "/api/v1/reports?node=n1", "/api/v1/nodes/n1", "/nodes/n1"}) {
    const auto reply = http_get(a.port(), target);
    INFO(target << ": " << reply.status << " " << reply.body);
    CHECK(reply.status == 503);
    CHECK(reply.retry_after == "5");
    // libpq's words (the server's socket, the user) are for the log, not for any reader.
    CHECK_THAT(reply.body, Catch::Contains("the database cannot be reached") &&
                               !Catch::Contains("PostgreSQL") && !Catch::Contains("socket") &&
                               !Catch::Contains("connection"));
  }
  // The scrape still answers and says the store is down.
  const auto scrape = http_get(a.port(), "/metrics");
  CHECK(scrape.status == 200);
  CHECK_THAT(scrape.body, Catch::Contains("capprobe_collector_store_up 0\n"));
  CHECK_THAT(scrape.body, !Catch::Contains("capprobe_collector_database_bytes"));

  server.start();
  CHECK(eventually([&] { return post(a.port(), report("n1", "after")).status == 202; }, 20s));
  Connection db(server.url());
  CHECK(count(db, "SELECT count(*) FROM reports WHERE report_id = $1", "after") == 1);
  CHECK(count(db, "SELECT count(*) FROM reports WHERE report_id LIKE $1", "during-%") == 0);
  const auto got = http_get(a.port(), "/api/v1/reports/before");
  INFO(got.body);
  CHECK(got.status == 200);
  CHECK_THAT(http_get(a.port(), "/metrics").body,
             Catch::Contains("capprobe_collector_store_up 1\n"));
  CHECK(a.running());
}

TEST_CASE(
    "PostgreSQL: a database that hangs holds no request for good: reads answer 503, /metrics "
    "says store_up 0, what is in memory is still served") {
  CAPPROBE_REQUIRE_POSTGRES();
  PostgresServer server;
  CollectorProcess a(server.url(), flags());
  REQUIRE(post(a.port(), report("n1", "before")).status == 202);

  // Sockets open, nothing answering: before, each read waited for good on one of the HTTP
  // server's threads, and once there were as many such reads as threads, /healthz and the matrix
  // went unanswered too. A read now waits 5 s for an answer (and a reconnect up to 5 s more).
  server.hang();
  const auto waiting = std::chrono::seconds(20);
  const auto scrape = http_request(a.port(), "GET", "/metrics", "", {}, waiting);
  INFO("metrics: " << scrape.status << " " << scrape.error);
  CHECK(scrape.status == 200);
  CHECK_THAT(scrape.body, Catch::Contains("capprobe_collector_store_up 0\n"));
  for (const std::string target : {"/api/v1/reports/before", "/api/v1/nodes/n1", "/nodes/n1"}) {
    const auto reply = http_request(a.port(), "GET", target, "", {}, waiting);
    INFO(target << ": " << reply.status << " " << reply.body << " " << reply.error);
    CHECK(reply.status == 503);
    CHECK(reply.retry_after == "5");
  }
  CHECK(http_get(a.port(), "/healthz").status == 200);
  CHECK(node_in_matrix(a.port(), "n1"));

  server.wake();
  CHECK(eventually(
      [&] {
        return http_request(a.port(), "GET", "/api/v1/reports/before", "", {}, waiting).status ==
               200;
      },
      30s));
  CHECK_THAT(http_get(a.port(), "/metrics").body,
             Catch::Contains("capprobe_collector_store_up 1\n"));
  CHECK(post(a.port(), report("n1", "after")).status == 202);
  CHECK(a.running());
}
