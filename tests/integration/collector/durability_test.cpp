// An acknowledged report is never lost: kill -9 the collector in the middle of a stream of
// posts, start it again on the same database, and every report that got 202 or 200 is there.
#include <catch2/catch.hpp>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include "support/collector_process.hpp"
#include "support/http_client.hpp"
#include "support/sample_report.hpp"
#include "support/text.hpp"

using namespace capprobe::collector::testing;
using namespace std::chrono_literals;

TEST_CASE("kill -9 during a stream of posts loses no acknowledged report") {
  TempDir dir;
  const auto db = dir.path() + "/c.db";
  // History retention must not be what removes a report here.
  const std::vector<std::string> keep_all{"--public-read", "--keep", "1000000"};
  auto collector = std::make_unique<CollectorProcess>(db, keep_all);
  const auto port = collector->port();

  constexpr int kWriters = 6;
  std::mutex mutex;
  std::vector<std::string> acknowledged;
  std::vector<std::string> bodies_of_acknowledged;
  std::atomic<int> attempts{0};
  std::atomic<bool> collector_gone{false};
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w)
    writers.emplace_back([&, w] {
      HttpConnection connection(port, 5s);
      for (int i = 0; !collector_gone && i < 100000; ++i) {
        SampleOptions options;
        options.subject.node = "node-" + std::to_string(w);
        options.subject.pod = "ns/pod-" + std::to_string(i % 7);
        options.report_id = cat({"w", std::to_string(w), "-", std::to_string(i)});
        options.target_bytes = 6 * 1024;
        const auto body = sample_report_text(options);
        ++attempts;
        const auto reply = connection.request("POST", "/api/v1/reports", body);
        if (reply.status == 202 || reply.status == 200) {
          std::lock_guard lock(mutex);
          acknowledged.push_back(options.report_id);
          if (acknowledged.size() % 50 == 1) bodies_of_acknowledged.push_back(body);
        } else if (reply.status == 0) {
          return;  // the collector died under us: what was not answered was not promised
        }
      }
    });

  // Let the stream get going, then pull the plug while requests are in flight.
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < deadline) {
    {
      std::lock_guard lock(mutex);
      if (acknowledged.size() >= 300) break;
    }
    std::this_thread::sleep_for(10ms);
  }
  collector->kill9();
  collector_gone = true;
  for (auto& writer : writers) writer.join();
  INFO("attempted " << attempts << ", acknowledged " << acknowledged.size());
  REQUIRE(acknowledged.size() >= 100);

  CollectorProcess restarted(db, keep_all);
  std::vector<std::string> missing;
  for (const auto& id : acknowledged)
    if (http_get(restarted.port(), "/api/v1/reports/" + id).status != 200) missing.push_back(id);
  CHECK(missing.empty());
  if (!missing.empty()) FAIL_CHECK("first missing: " << missing.front());

  // Sending an acknowledged report again is a duplicate, and it stays stored once.
  for (const auto& body : bodies_of_acknowledged)
    CHECK(http_request(restarted.port(), "POST", "/api/v1/reports", body).status == 200);
  const auto history = nlohmann::json::parse(
      http_get(restarted.port(), "/api/v1/reports?limit=1000").body)["reports"];
  std::set<std::string> stored;
  for (const auto& entry : history) stored.insert(entry["report_id"].get<std::string>());
  CHECK(stored.size() == history.size());
}
