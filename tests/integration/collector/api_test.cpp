// The collector as a real process on loopback: post reports, then read them back through every
// view of the API (matrix, nodes, history, single report, HTML, metrics), with and without a
// write token, over keep-alive, and across a restart. (Read credentials: credentials_test.cpp.)
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "support/collector_process.hpp"
#include "support/http_client.hpp"
#include "support/raw_socket.hpp"
#include "support/sample_report.hpp"

using namespace capprobe::collector::testing;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

std::string report(const std::string& node, const std::string& id, bool ignored = false,
                   std::optional<std::string> runtime_class = std::nullopt,
                   const std::string& environment = "container") {
  SampleOptions options;
  options.subject.node = node;
  options.subject.runtime_class = std::move(runtime_class);
  options.subject.environment = environment;
  options.report_id = id;
  options.request_host_pid = ignored;
  options.target_bytes = 8 * 1024;
  return sample_report_text(options);
}

HttpReply post(std::uint16_t port, const std::string& body, const Headers& headers = {}) {
  return http_request(port, "POST", "/api/v1/reports", body, headers);
}

json get_json(std::uint16_t port, const std::string& target) {
  const auto reply = http_get(port, target);
  INFO(target << " -> " << reply.status << " " << reply.body.substr(0, 300) << reply.error);
  REQUIRE(reply.status == 200);
  CHECK(reply.content_type == "application/json");
  return json::parse(reply.body);
}

}  // namespace

TEST_CASE("post reports, then the matrix, nodes, history and pages show them") {
  TempDir dir;
  CollectorProcess collector(dir.path() + "/c.db", {"--public-read"});
  const auto port = collector.port();

  const auto kata = report("worker-1", "r-kata", true, "kata", "vm_guest");
  REQUIRE(post(port, report("worker-1", "r-runc")).status == 202);
  REQUIRE(post(port, kata).status == 202);
  REQUIRE(post(port, report("worker-2", "r-w2")).status == 202);

  const auto matrix = get_json(port, "/api/v1/matrix");
  CHECK(matrix["subjects"] == 3);  // the runtime class is part of the subject
  CHECK(matrix["requested_but_ignored"] == 1);
  // A newer report of the same subject replaces it in the matrix; another runtime class adds one.
  REQUIRE(post(port, report("worker-1", "r-runc-2")).status == 202);
  const auto with_rc = report("worker-1", "r-kata-2", true, "kata2", "vm_guest");
  REQUIRE(post(port, with_rc).status == 202);
  const auto matrix2 = get_json(port, "/api/v1/matrix");
  CHECK(matrix2["subjects"] == 4);
  CHECK(matrix2["requested_but_ignored"] == 2);
  std::vector<std::string> groups;
  for (const auto& group : matrix2["groups"]) groups.push_back(group["key"]);
  CHECK(groups == std::vector<std::string>{"linux/container/-", "linux/vm_guest/kata",
                                           "linux/vm_guest/kata2"});
  json pid;
  for (const auto& capability : matrix2["capabilities"])
    if (capability["id"] == "host.pid") pid = capability;
  CHECK(pid["groups"]["linux/vm_guest/kata2"]["requested_but_ignored"] == 1);
  CHECK(pid["groups"]["linux/container/-"]["counts"]["untested"] == 2);
  CHECK(pid["total"]["subjects"] == 4);
  REQUIRE(matrix2["nodes"].size() == 2);
  CHECK(matrix2["nodes"][0]["node"] == "worker-1");
  CHECK(matrix2["nodes"][0]["subjects"] == 3);
  CHECK(matrix2["nodes"][0]["requested_but_ignored"] == json::array({"host.pid"}));
  CHECK_FALSE(get_json(port, "/api/v1/matrix?nodes=false").contains("nodes"));

  const auto nodes = get_json(port, "/api/v1/nodes");
  REQUIRE(nodes["nodes"].size() == 2);
  CHECK(nodes["nodes"][0]["subjects"].size() == 3);
  bool replaced = false;
  for (const auto& subject : nodes["nodes"][0]["subjects"])
    replaced = replaced || subject["report_id"] == "r-runc-2";
  CHECK(replaced);
  CHECK(nodes["nodes"][1]["subjects"][0]["report_id"] == "r-w2");

  const auto node = get_json(port, "/api/v1/nodes/worker-1");
  REQUIRE(node["subjects"].size() == 3);
  CHECK(node["subjects"][0]["report"]["schema"] == "capprobe.report/v1");
  CHECK(node["subjects"][0]["report"]["results"].size() == 15);
  CHECK(http_get(port, "/api/v1/nodes/nobody").status == 404);

  const auto history = get_json(port, "/api/v1/reports?node=worker-1&limit=2");
  REQUIRE(history["reports"].size() == 2);
  CHECK(history["reports"][0]["report_id"] == "r-kata-2");
  CHECK(history["reports"][1]["report_id"] == "r-runc-2");
  CHECK(history["reports"][0]["subject"]["runtime_class"] == "kata2");
  CHECK(get_json(port, "/api/v1/reports")["reports"].size() == 5);
  CHECK(http_get(port, "/api/v1/reports?limit=0").status == 400);
  CHECK(http_get(port, "/api/v1/reports?limit=x").status == 400);

  const auto full = http_get(port, "/api/v1/reports/r-kata");
  CHECK(full.status == 200);
  CHECK(full.body == kata);
  CHECK(http_get(port, "/api/v1/reports/none").status == 404);

  const auto page = http_get(port, "/");
  CHECK(page.status == 200);
  CHECK(page.content_type == "text/html; charset=utf-8");
  {
    RawSocket raw(port);  // the headers a browser sees
    raw.send("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    const auto head = raw.receive(5s, "\r\n\r\n");
    CHECK_THAT(head, Catch::Contains("Content-Security-Policy: default-src 'none'"));
    CHECK_THAT(head, Catch::Contains("X-Content-Type-Options: nosniff"));
  }
  CHECK(page.body.find("worker-2") != std::string::npos);
  CHECK(page.body.find("REQUESTED BUT IGNORED") != std::string::npos);
  const auto node_page = http_get(port, "/nodes/worker-1");
  CHECK(node_page.status == 200);
  CHECK(node_page.body.find("hostPID was requested") != std::string::npos);
  CHECK(http_get(port, "/nodes/nobody").status == 404);
  const auto drill = http_get(port, "/nodes?capability=host.pid&ignored=1");
  CHECK(drill.status == 200);
  CHECK(drill.body.find("2 subjects where") != std::string::npos);
  CHECK(http_get(port, "/nodes?status=bogus").status == 400);

  const auto health = get_json(port, "/healthz");
  CHECK(health["status"] == "ok");
  const auto metrics = http_get(port, "/metrics");
  CHECK(metrics.status == 200);
  CHECK(metrics.body.find("capprobe_collector_reports_accepted_total 5\n") != std::string::npos);
  CHECK(metrics.body.find("capprobe_collector_subjects 4\n") != std::string::npos);
  CHECK(metrics.body.find("capprobe_collector_nodes 2\n") != std::string::npos);
}

TEST_CASE("a duplicate report_id is answered 200 and stored once") {
  TempDir dir;
  CollectorProcess collector(dir.path() + "/c.db", {"--public-read"});
  const auto body = report("n1", "dup-1");
  const auto first = post(collector.port(), body);
  CHECK(first.status == 202);
  CHECK(json::parse(first.body)["status"] == "accepted");
  const auto again = post(collector.port(), body);
  CHECK(again.status == 200);
  CHECK(json::parse(again.body) == json{{"report_id", "dup-1"}, {"status", "duplicate"}});
  CHECK(get_json(collector.port(), "/api/v1/reports")["reports"].size() == 1);
  CHECK(http_get(collector.port(), "/metrics")
            .body.find("capprobe_collector_reports_duplicate_total 1\n") != std::string::npos);
}

TEST_CASE("with --token-file, writes need the bearer token") {
  TempDir dir;
  const std::string token = "tok-" + std::to_string(::getpid()) + "-secret";
  { std::ofstream(dir.path() + "/token") << token << "\n"; }
  CollectorProcess collector(dir.path() + "/c.db", {"--token-file", dir.path() + "/token"});
  const auto port = collector.port();
  const auto body = report("n1", "auth-1");

  const auto missing = post(port, body);
  CHECK(missing.status == 401);
  CHECK(json::parse(missing.body)["error"].get<std::string>().find("Bearer") != std::string::npos);
  CHECK(post(port, body, {{"Authorization", "Bearer wrong"}}).status == 401);
  CHECK(post(port, body, {{"Authorization", "Bearer " + token + "x"}}).status == 401);
  CHECK(post(port, body, {{"Authorization", "Basic " + token}}).status == 401);
  CHECK(post(port, body, {{"Authorization", "Bearer " + token}}).status == 202);
  const Headers reader{{"Authorization", "Bearer " + token}};
  CHECK(json::parse(http_request(port, "GET", "/api/v1/matrix", "", reader).body)["subjects"] == 1);
  const auto metrics = http_request(port, "GET", "/metrics", "", reader).body;
  CHECK(metrics.find("capprobe_collector_reports_rejected_total{reason=\"unauthorized\"} 4\n") !=
        std::string::npos);
  CHECK(collector.log().find(token) == std::string::npos);  // never logged
  CHECK(collector.log().find("writes=token") != std::string::npos);
}

TEST_CASE("a start with an unreadable token file or bad flags fails with one line") {
  TempDir dir;
  CHECK_THROWS_WITH(CollectorProcess(dir.path() + "/c.db", {"--token-file", dir.path() + "/nope"}),
                    Catch::Contains("--token-file: cannot read"));
  CHECK_THROWS_WITH(CollectorProcess(dir.path() + "/c2.db", {"--keep", "zero"}),
                    Catch::Contains("--keep needs a count"));
}

TEST_CASE(
    "a --db-file names the database by its one line, and files that cannot serve are refused") {
  TempDir dir;
  const auto db = dir.path() + "/from-file.db";
  { std::ofstream(dir.path() + "/db") << "  " << db << "\r\n\n"; }  // as a Secret may hold it
  {
    CollectorProcess collector(dir.path() + "/log-only",
                               {"--public-read", "--db-file", dir.path() + "/db"});
    CHECK(post(collector.port(), report("n1", "db-file-1")).status == 202);
    CHECK(collector.terminate() == 0);
  }
  CHECK(std::filesystem::exists(db));  // the file's line, trimmed, was the database

  { std::ofstream(dir.path() + "/empty") << " \n"; }
  { std::ofstream(dir.path() + "/two") << db << "\n" << db << "2\n"; }
  const auto refused = [&](const std::string& file) {
    return CollectorProcess(dir.path() + "/log-" + std::filesystem::path(file).filename().string(),
                            {"--public-read", "--db-file", file});
  };
  CHECK_THROWS_WITH(refused(dir.path() + "/empty"), Catch::Contains("is empty"));
  CHECK_THROWS_WITH(refused(dir.path() + "/two"), Catch::Contains("holds more than one line"));
  CHECK_THROWS_WITH(refused(dir.path() + "/missing"),
                    Catch::Contains("cannot read --db-file") && Catch::Contains("missing"));
  // An error never shows the file's content (for a URL, a password).
  try {
    refused(dir.path() + "/two");
  } catch (const std::exception& error) {
    CHECK(std::string(error.what()).find(db + "2") == std::string::npos);
  }
  // What is not a URL would be named in the log as a SQLite path: what cannot be a path is
  // refused unseen. And a URL libpq cannot parse is quoted back in its error without the password.
  { std::ofstream(dir.path() + "/keywords") << "host=127.0.0.1 password=S3cretKV\n"; }
  { std::ofstream(dir.path() + "/bom") << "\xEF\xBB\xBFpostgresql://u:S3cretBOM@127.0.0.1:1/d\n"; }
  { std::ofstream(dir.path() + "/scheme") << "postgress://u:S3cretSCHEME@127.0.0.1:1/d\n"; }
  { std::ofstream(dir.path() + "/escape") << "postgresql://u:ab%zzS3cretPCT@127.0.0.1:1/d\n"; }
  for (const auto* file : {"keywords", "bom", "scheme"}) {
    INFO(file);
    CHECK_THROWS_WITH(refused(dir.path() + "/" + file),
                      Catch::Contains("holds neither a postgres://") && !Catch::Contains("S3cret"));
  }
  CHECK_THROWS_WITH(refused(dir.path() + "/escape"),
                    Catch::Contains("cannot open database postgresql://u:***@") &&
                        Catch::Contains("invalid percent-encoded token") &&
                        !Catch::Contains("S3cret"));
}

TEST_CASE("one keep-alive connection carries many requests and answers unknown routes") {
  TempDir dir;
  CollectorProcess collector(dir.path() + "/c.db", {"--public-read"});
  HttpConnection connection(collector.port());
  for (int i = 0; i < 5; ++i) {
    const auto reply =
        connection.request("POST", "/api/v1/reports", report("ka", "ka-" + std::to_string(i)));
    CHECK(reply.status == 202);
    CHECK(reply.keep_alive);
  }
  CHECK(connection.request("GET", "/api/v1/matrix").status == 200);
  CHECK(connection.request("GET", "/api/v1/nope").status == 404);
  const auto wrong_method = connection.request("PUT", "/api/v1/matrix", "{}");
  CHECK(wrong_method.status == 405);
  CHECK(json::parse(wrong_method.body).contains("error"));
  CHECK(connection.request("HEAD", "/healthz").status == 200);
  CHECK(connection.request("GET", "/healthz").status == 200);  // still in sync after HEAD
  CHECK(connection.connected());
}

TEST_CASE("SIGTERM stops cleanly and a restart serves the same fleet") {
  TempDir dir;
  const auto db = dir.path() + "/c.db";
  std::uint16_t port = 0;
  {
    CollectorProcess collector(db, {"--public-read"});
    port = collector.port();
    REQUIRE(post(port, report("n1", "t-1", true)).status == 202);
    REQUIRE(post(port, report("n2", "t-2")).status == 202);
    CHECK(collector.terminate() == 0);
    CHECK(collector.log().find("Stopped") != std::string::npos);
  }
  CollectorProcess restarted(db, {"--public-read"});
  const auto matrix = get_json(restarted.port(), "/api/v1/matrix");
  CHECK(matrix["subjects"] == 2);
  CHECK(matrix["requested_but_ignored"] == 1);
  CHECK(http_get(restarted.port(), "/api/v1/reports/t-2").status == 200);
}
