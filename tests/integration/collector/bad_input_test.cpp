// Clients that get it wrong, on purpose: malformed and wrong-schema reports, oversize bodies,
// a client that dribbles bytes, oversized headers, more connections than allowed. Each gets the
// right status, and the collector keeps serving everyone else meanwhile.
#include <catch2/catch.hpp>

#include <atomic>
#include <cstdio>
#include <thread>

#include "support/collector_process.hpp"
#include "support/http_client.hpp"
#include "support/raw_socket.hpp"
#include "support/sample_report.hpp"
#include "support/text.hpp"

using namespace capprobe::collector::testing;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

std::string report(const std::string& node, const std::string& id, std::size_t bytes = 4096) {
  SampleOptions options;
  options.subject.node = node;
  options.report_id = id;
  options.target_bytes = bytes;
  return sample_report_text(options);
}

// The collector still answers a normal client, quickly.
void check_serving(std::uint16_t port) {
  const auto started = std::chrono::steady_clock::now();
  CHECK(http_request(port, "GET", "/healthz", "", {}, 2s).status == 200);
  CHECK(std::chrono::steady_clock::now() - started < 1s);
}

std::string error_of(const HttpReply& reply) {
  INFO(reply.body);
  const auto body = json::parse(reply.body);
  REQUIRE(body.contains("error"));
  return body["error"];
}

}  // namespace

TEST_CASE("malformed JSON and wrong schemas get 400 with a JSON reason") {
  TempDir dir;
  CollectorProcess collector(dir.path() + "/c.db", {"--public-read"});
  const auto port = collector.port();
  const auto post = [&](const std::string& body) {
    return http_request(port, "POST", "/api/v1/reports", body);
  };

  const auto malformed = post("{\"schema\": \"capprobe.report/v1\", ");
  CHECK(malformed.status == 400);
  CHECK_THAT(error_of(malformed), Catch::Contains("not valid JSON"));

  auto document = json::parse(report("n1", "s-1"));
  document["schema"] = "capprobe.report/v0";
  const auto schema = post(document.dump());
  CHECK(schema.status == 400);
  CHECK_THAT(error_of(schema), Catch::Contains("unsupported schema"));

  document["schema"] = "capprobe.report/v1";
  document["results"][0]["status"] = "kinda";
  const auto status = post(document.dump());
  CHECK(status.status == 400);
  CHECK_THAT(error_of(status), Catch::Contains("results[0].status"));

  CHECK(post("").status == 400);
  CHECK(post("[]").status == 400);
  check_serving(port);
  const auto metrics = http_get(port, "/metrics").body;
  CHECK(metrics.find("reason=\"invalid_json\"} 2\n") != std::string::npos);
  CHECK(metrics.find("reason=\"wrong_schema\"} 1\n") != std::string::npos);
  CHECK(metrics.find("reason=\"invalid_report\"} 2\n") != std::string::npos);
  CHECK(http_get(port, "/api/v1/reports").body == "{\"reports\":[]}");
}

TEST_CASE("a node name that displays as something else gets 400 naming it, on ingest and queries") {
  TempDir dir;
  CollectorProcess collector(dir.path() + "/c.db", {"--public-read"});
  const auto port = collector.port();
  const auto post_node = [&](const std::string& node) {
    return http_request(port, "POST", "/api/v1/reports",
                        report(node, "n-" + std::to_string(node.size())));
  };

  const auto bidi = post_node("build\u202Etxt.exe");
  CHECK(bidi.status == 400);
  CHECK_THAT(error_of(bidi),
             Catch::Contains("subject.node contains U+202E RIGHT-TO-LEFT OVERRIDE"));
  const auto blank = post_node("\u00A0");
  CHECK(blank.status == 400);
  CHECK_THAT(error_of(blank), Catch::Contains("U+00A0"));
  const auto padded = post_node("worker-1 ");
  CHECK(padded.status == 400);
  CHECK_THAT(error_of(padded), Catch::Contains("ends with U+0020"));
  REQUIRE(post_node("worker-1").status == 202);

  // The query side applies the same rule: a name no report can carry is the client's mistake.
  const auto get = [&](const std::string& target) {
    const auto reply = http_get(port, target);
    INFO(target << " -> " << reply.status << " " << reply.body);
    CHECK(reply.status == 400);
    return error_of(reply);
  };
  CHECK_THAT(get("/api/v1/reports?node="), Catch::Contains("node must not be empty"));
  CHECK_THAT(get("/api/v1/reports?node=%E2%80%AE"), Catch::Contains("U+202E"));
  CHECK_THAT(get("/api/v1/reports?node=worker-1%20"), Catch::Contains("ends with U+0020"));
  CHECK_THAT(get("/api/v1/nodes/worker-1%E2%80%8B"), Catch::Contains("U+200B ZERO WIDTH SPACE"));
  CHECK_THAT(get("/api/v1/nodes/%C2%A0"), Catch::Contains("only whitespace"));
  CHECK_THAT(get("/api/v1/nodes/worker%C3"), Catch::Contains("not valid UTF-8"));
  const auto page = http_get(port, "/nodes/worker-1%E2%80%AE");
  CHECK(page.status == 400);
  CHECK_THAT(page.body, Catch::Contains("U+202E"));

  const auto history = http_get(port, "/api/v1/reports?node=worker-1");
  REQUIRE(history.status == 200);
  CHECK(json::parse(history.body)["reports"].size() == 1);
  CHECK(http_get(port, "/api/v1/nodes/worker-1").status == 200);
  // A trailing slash names no node: it is the list, as "/api//v1/" is "/api/v1".
  const auto list = http_get(port, "/api/v1/nodes/");
  CHECK(list.status == 200);
  CHECK(json::parse(list.body)["nodes"].size() == 1);
  CHECK(http_get(port, "/metrics").body.find("reason=\"invalid_report\"} 3\n") !=
        std::string::npos);
}

TEST_CASE("a body over the limit gets 413, declared or chunked") {
  TempDir dir;
  CollectorProcess collector(dir.path() + "/c.db", {"--public-read", "--max-body", "64k"});
  const auto port = collector.port();
  const auto big = report("n1", "big-1", 100 * 1024);

  const auto declared = http_request(port, "POST", "/api/v1/reports", big);
  CHECK(declared.status == 413);
  CHECK_THAT(error_of(declared), Catch::Contains("larger than the limit of 65536 bytes"));

  // Chunked: no length up front, so the limit trips while reading.
  RawSocket chunked(port);
  std::string request =
      "POST /api/v1/reports HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
      "Content-Type: application/json\r\n\r\n";
  for (std::size_t at = 0; at < big.size(); at += 8192) {
    const auto piece = big.substr(at, 8192);
    char size[16];
    std::snprintf(size, sizeof size, "%zx\r\n", piece.size());
    request += size + piece + "\r\n";
  }
  request += "0\r\n\r\n";
  chunked.send(request);
  CHECK_THAT(chunked.receive(5s, "\r\n\r\n"), Catch::StartsWith("HTTP/1.1 413"));

  // Just under the limit is fine.
  CHECK(http_request(port, "POST", "/api/v1/reports", report("n1", "ok-1", 60 * 1024)).status ==
        202);
  check_serving(port);
}

TEST_CASE("a client that dribbles bytes is cut off at the read deadline while others are served") {
  TempDir dir;
  CollectorProcess collector(dir.path() + "/c.db", {"--public-read", "--read-timeout", "1s"});
  const auto port = collector.port();

  RawSocket slow_body(port);
  RawSocket slow_header(port);
  const auto body = report("slow", "slow-1");
  REQUIRE(slow_body.send("POST /api/v1/reports HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                         std::to_string(body.size()) + "\r\n\r\n"));
  REQUIRE(slow_header.send("GET /healthz HTTP/1.1\r\n"));

  // Meanwhile, everyone else: posts and reads answered promptly.
  std::atomic<bool> stop{false};
  std::atomic<int> served{0}, slow{0};
  std::thread others([&] {
    int i = 0;
    while (!stop) {
      const auto started = std::chrono::steady_clock::now();
      const auto reply = http_request(port, "POST", "/api/v1/reports",
                                      report("fast", "fast-" + std::to_string(i++)), {}, 3s);
      if (reply.status == 202) ++served;
      // Far below the 1 s a request would wait if the dribblers held the server up.
      if (std::chrono::steady_clock::now() - started > 700ms) ++slow;
    }
  });

  // One byte every 100 ms on each: the server never gets a whole request within its 1 s
  // deadline. Each connection is waited for at that pace until it is cut or 4 s have passed:
  // the two deadlines fire a moment apart, and the loop must not end between them (it counted
  // 40 turns, and once the body's connection was cut a turn took 1 ms: CI saw the header's cut
  // come after the last turn).
  bool body_cut = false, header_cut = false;
  const auto started = std::chrono::steady_clock::now();
  for (std::size_t i = 0;
       !(body_cut && header_cut) && std::chrono::steady_clock::now() - started < 4s; ++i) {
    if (!body_cut)
      body_cut = !slow_body.send(body.substr(i % body.size(), 1)) || slow_body.wait_closed(100ms);
    if (!header_cut)
      header_cut = !slow_header.send("X") || slow_header.wait_closed(body_cut ? 100ms : 1ms);
  }
  const auto took = std::chrono::steady_clock::now() - started;
  stop = true;
  others.join();

  CHECK(body_cut);
  CHECK(header_cut);
  CHECK(took < 3s);
  CHECK(served > 0);
  CHECK(slow == 0);
  CHECK(http_get(port, "/api/v1/reports/slow-1").status == 404);
  check_serving(port);
}

TEST_CASE("an oversized header gets 431") {
  TempDir dir;
  CollectorProcess collector(dir.path() + "/c.db", {"--public-read"});
  RawSocket socket(collector.port());
  socket.send(cat(
      {"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Padding: ", std::string(40000, 'p'), "\r\n\r\n"}));
  CHECK_THAT(socket.receive(5s, "\r\n\r\n"), Catch::StartsWith("HTTP/1.1 431"));
  check_serving(collector.port());
}

TEST_CASE("Expect: 100-continue is answered before the body, and refusals come first") {
  TempDir dir;
  const std::string token = "t0k3n";
  {
    std::FILE* file = std::fopen((dir.path() + "/token").c_str(), "w");
    std::fputs(token.c_str(), file);
    std::fclose(file);
  }
  CollectorProcess collector(dir.path() + "/c.db", {"--token-file", dir.path() + "/token"});
  const auto body = report("n1", "expect-1");
  const auto head =
      "POST /api/v1/reports HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
      "Content-Length: " +
      std::to_string(body.size()) + "\r\n";

  RawSocket allowed(collector.port());
  allowed.send(head + "Authorization: Bearer " + token + "\r\n\r\n");
  CHECK_THAT(allowed.receive(5s, "\r\n\r\n"), Catch::StartsWith("HTTP/1.1 100 Continue"));
  allowed.send(body);
  CHECK_THAT(allowed.receive(5s, "accepted"), Catch::StartsWith("HTTP/1.1 202"));

  RawSocket refused(collector.port());  // the body is never sent: the answer comes first
  refused.send(head + "\r\n");
  CHECK_THAT(refused.receive(5s, "}"), Catch::StartsWith("HTTP/1.1 401"));
}

TEST_CASE("many connections at once are all served") {
  TempDir dir;
  CollectorProcess collector(dir.path() + "/c.db", {"--public-read"});
  const auto port = collector.port();
  constexpr int kClients = 150;
  std::atomic<int> accepted{0}, failed{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c)
    clients.emplace_back([&, c] {
      HttpConnection connection(port, 20s);
      for (int r = 0; r < 2; ++r) {
        const auto reply =
            connection.request("POST", "/api/v1/reports",
                               report("node-" + std::to_string(c),
                                      "many-" + std::to_string(c) + "-" + std::to_string(r)));
        (reply.status == 202 ? accepted : failed)++;
      }
    });
  for (auto& client : clients) client.join();
  CHECK(accepted == 2 * kClients);
  CHECK(failed == 0);
  CHECK(json::parse(http_get(port, "/api/v1/matrix").body)["subjects"] == kClients);
}

TEST_CASE("beyond --max-connections new connections get 503 and the others keep working") {
  TempDir dir;
  CollectorProcess collector(dir.path() + "/c.db", {"--public-read", "--max-connections", "8"});
  const auto port = collector.port();
  // Fill all eight slots. The harness's start-up probe may not have been reaped yet, so a
  // 503 here only means "try again in a moment".
  std::vector<std::unique_ptr<HttpConnection>> held;
  for (int attempt = 0; held.size() < 8 && attempt < 100; ++attempt) {
    auto connection = std::make_unique<HttpConnection>(port);
    if (connection->request("GET", "/healthz").status == 200)
      held.push_back(std::move(connection));
    else
      std::this_thread::sleep_for(20ms);
  }
  REQUIRE(held.size() == 8);

  const auto refused = http_request(port, "GET", "/healthz", "", {}, 5s);
  CHECK(refused.status == 503);
  CHECK_THAT(refused.body, Catch::Contains("too many connections"));
  for (auto& connection : held) CHECK(connection->request("GET", "/healthz").status == 200);

  held.clear();  // closing them frees the slots
  bool served = false;
  for (int attempt = 0; attempt < 50 && !served; ++attempt) {
    served = http_request(port, "GET", "/healthz").status == 200;
    if (!served) std::this_thread::sleep_for(20ms);
  }
  CHECK(served);
  const auto metrics = http_get(port, "/metrics").body;
  CHECK(metrics.find("capprobe_collector_connections_refused_total ") != std::string::npos);
  CHECK(metrics.find("capprobe_collector_connections_refused_total 0\n") == std::string::npos);
}
