// Who may read and who may write, against the collector as a real process: every request but
// /healthz and the report POST needs the read credential (Bearer, or Basic with the token as the
// password), --read-token-file splits readers from writers, --public-read opens reads, and the
// token files hold several tokens and are re-read when they change.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "support/collector_process.hpp"
#include "support/http_client.hpp"
#include "support/raw_socket.hpp"
#include "support/sample_report.hpp"
#include "support/text.hpp"

using namespace capprobe::collector::testing;
using namespace std::chrono_literals;

namespace {

std::string report(const std::string& id) {
  SampleOptions options;
  options.subject.node = "worker-1";
  options.report_id = id;
  options.target_bytes = 4 * 1024;
  return sample_report_text(options);
}

Headers bearer(const std::string& token) {
  return {{"Authorization", cat({"Bearer ", token})}};
}

Headers basic(const std::string& user, const std::string& password) {
  return {{"Authorization", basic_auth(user, password)}};
}

int get(std::uint16_t port, const std::string& target, const Headers& headers = {}) {
  return http_request(port, "GET", target, "", headers).status;
}

int post(std::uint16_t port, const std::string& id, const Headers& headers = {}) {
  return http_request(port, "POST", "/api/v1/reports", report(id), headers).status;
}

void write_file(const std::string& path, const std::string& text) {
  // Replaced whole, as a Secret volume or an editor's save does.
  { std::ofstream(path + ".new") << text; }
  std::filesystem::rename(path + ".new", path);
}

const std::vector<std::string> kReadTargets = {"/api/v1/matrix",
                                               "/api/v1/nodes",
                                               "/api/v1/nodes/worker-1",
                                               "/api/v1/reports",
                                               "/api/v1/reports/r1",
                                               "/",
                                               "/nodes?capability=host.pid",
                                               "/nodes/worker-1",
                                               "/metrics",
                                               "/no/such/page"};

}  // namespace

TEST_CASE("with --token-file every read needs the token too, as Bearer or as a Basic password") {
  TempDir dir;
  const std::string token = cat({"tok-", std::to_string(::getpid()), "-secret"});
  write_file(dir.path() + "/token", token + "\n");
  CollectorProcess collector(dir.path() + "/c.db", {"--token-file", dir.path() + "/token"});
  const auto port = collector.port();
  REQUIRE(post(port, "r1", bearer(token)) == 202);

  for (const auto& target : kReadTargets) {
    INFO(target);
    const int found = target == "/no/such/page" ? 404 : 200;
    CHECK(get(port, target) == 401);
    CHECK(get(port, target, bearer("wrong")) == 401);
    CHECK(get(port, target, basic("admin", "wrong")) == 401);
    CHECK(get(port, target, basic(token, "")) == 401);  // the token is the password, not the user
    CHECK(get(port, target, bearer(token)) == found);
    CHECK(get(port, target, basic("anyone", token)) == found);
    CHECK(get(port, target, basic("", token)) == found);
  }
  CHECK(get(port, "/healthz") == 200);
  CHECK(http_request(port, "HEAD", "/healthz").status == 200);
  CHECK(http_request(port, "HEAD", "/").status == 401);
  CHECK(http_request(port, "PUT", "/api/v1/matrix", "{}").status == 401);

  // A browser is asked for a user name and password on the page; API clients are told both.
  const auto page = http_get(port, "/nodes/worker-1");
  CHECK(page.www_authenticate == R"(Basic realm="capprobe", charset="UTF-8")");
  CHECK(page.content_type == "text/html; charset=utf-8");
  const auto api = http_get(port, "/api/v1/matrix");
  CHECK(api.www_authenticate ==
        "Bearer realm=\"capprobe\"\nBasic realm=\"capprobe\", charset=\"UTF-8\"");
  CHECK_THAT(api.body, Catch::Contains("Basic with the token as the password"));

  // Refused before the body is read, like an unauthorized POST.
  RawSocket raw(port);
  raw.send("PUT /api/v1/matrix HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n");
  CHECK_THAT(raw.receive(5s, "\r\n\r\n"), Catch::StartsWith("HTTP/1.1 401"));

  const auto log = collector.log();
  CHECK(log.find(token) == std::string::npos);
  CHECK_THAT(log, Catch::Contains("writes=token reads=token"));
  CHECK(http_request(port, "GET", "/metrics", "", bearer(token))
            .body.find("capprobe_collector_http_requests_total{route=\"matrix\",code=\"401\"}") !=
        std::string::npos);
}

TEST_CASE("a read token file: readers and writers hold different tokens") {
  TempDir dir;
  write_file(dir.path() + "/write", "writer-token\n");
  write_file(dir.path() + "/read", "reader-token\n");
  CollectorProcess collector(dir.path() + "/c.db", {"--token-file", dir.path() + "/write",
                                                    "--read-token-file", dir.path() + "/read"});
  const auto port = collector.port();
  CHECK(post(port, "r1", bearer("reader-token")) == 401);  // a reader cannot write
  CHECK(post(port, "r1", bearer("writer-token")) == 202);
  // The agents' token, on every node, does not read the fleet.
  CHECK(get(port, "/api/v1/matrix", bearer("writer-token")) == 401);
  CHECK(get(port, "/api/v1/matrix", bearer("reader-token")) == 200);
  CHECK(get(port, "/", basic("me", "reader-token")) == 200);
  CHECK_THAT(collector.log(), Catch::Contains("writes=token reads=read-token"));
}

TEST_CASE("public reads (--public-read) need no credential, the log says so, writes still do") {
  TempDir dir;
  write_file(dir.path() + "/token", "t0k3n");
  CollectorProcess collector(dir.path() + "/c.db",
                             {"--token-file", dir.path() + "/token", "--public-read"});
  const auto port = collector.port();
  CHECK(post(port, "r1") == 401);
  CHECK(post(port, "r1", bearer("t0k3n")) == 202);
  for (const auto& target : kReadTargets) {
    INFO(target);
    CHECK(get(port, target) == (target == "/no/such/page" ? 404 : 200));
  }
  CHECK_THAT(collector.log(), Catch::Contains("reads=public"));
  CHECK_THAT(collector.log(), Catch::Contains("--public-read: anyone who can connect"));
}

TEST_CASE("without any token the collector starts only with --public-read, and warns") {
  TempDir dir;
  // Reads need a credential, and there is none to check: rather than serve the fleet to anyone
  // by default, the start is refused with the choice spelled out.
  CHECK_THROWS_WITH(CollectorProcess(dir.path() + "/c.db", {}),
                    Catch::Contains("--public-read") && Catch::Contains("--token-file"));
  CollectorProcess open(dir.path() + "/c.db", {"--public-read"});
  CHECK(post(open.port(), "r1") == 202);
  CHECK(get(open.port(), "/api/v1/matrix") == 200);
  CHECK_THAT(open.log(), Catch::Contains("accepts reports from ANYONE"));
  CHECK_THAT(open.log(), Catch::Contains("writes=open reads=public"));
}

TEST_CASE("a token file holds several tokens and is re-read when it changes") {
  TempDir dir;
  const auto file = dir.path() + "/token";
  write_file(file, "  old-token  \n\n\tnew-token\r\n");
  CollectorProcess collector(dir.path() + "/c.db", {"--token-file", file});
  const auto port = collector.port();
  CHECK(post(port, "r1", bearer("old-token")) == 202);
  CHECK(post(port, "r2", bearer("new-token")) == 202);
  CHECK(get(port, "/api/v1/matrix", basic("x", "new-token")) == 200);
  CHECK(post(port, "r3", bearer("old-token new-token")) == 401);
  HttpConnection open_connection(port);
  CHECK(open_connection.request("GET", "/api/v1/matrix", "", bearer("old-token")).status == 200);

  // The rotation's last step: the old token leaves the file, a next one comes in.
  write_file(file, "new-token\nnext-token\n");
  CHECK(wait_until([&] { return post(port, "r4", bearer("old-token")) == 401; }, 10s));
  CHECK(post(port, "r5", bearer("next-token")) == 202);
  CHECK(post(port, "r6", bearer("new-token")) == 202);
  // An open connection is judged by the tokens of now, request by request.
  CHECK(open_connection.request("GET", "/api/v1/matrix", "", bearer("old-token")).status == 401);
  CHECK(open_connection.request("GET", "/api/v1/matrix", "", bearer("next-token")).status == 200);

  // A file emptied by mistake (or caught half-written) does not open the collector: the tokens
  // in use stay, and the log says why.
  write_file(file, "\n");
  CHECK(wait_until(
      [&] { return collector.log().find("kept the tokens in use") != std::string::npos; }, 10s));
  CHECK(post(port, "r7", bearer("next-token")) == 202);
  CHECK(post(port, "r8") == 401);
  CHECK(collector.log().find("next-token") == std::string::npos);
}

TEST_CASE("the read token file is re-read too") {
  TempDir dir;
  write_file(dir.path() + "/write", "w\n");
  write_file(dir.path() + "/read", "r1\n");
  CollectorProcess collector(dir.path() + "/c.db", {"--token-file", dir.path() + "/write",
                                                    "--read-token-file", dir.path() + "/read"});
  const auto port = collector.port();
  CHECK(get(port, "/", basic("me", "r1")) == 200);
  write_file(dir.path() + "/read", "r2\n");
  CHECK(wait_until([&] { return get(port, "/", basic("me", "r2")) == 200; }, 10s));
  CHECK(get(port, "/", basic("me", "r1")) == 401);
}
