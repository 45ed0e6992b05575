// The checkpoint thread: once the writer's WAL passes the start size, its pages reach the
// database file without the writer copying them, and everything committed reads back after a
// reopen; the writer's own checkpoint is asked for only far past that size.
#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <thread>

#include <spdlog/spdlog.h>

#include "collector/sqlite_store.hpp"
#include "collector/validate.hpp"
#include "support/collector_process.hpp"
#include "support/sample_report.hpp"
#include "support/text.hpp"

using namespace capprobe::collector;

TEST_CASE("the writer asks for its own checkpoint only far past the start size") {
  testing::TempDir dir;
  { SqliteWriter create(dir.path() + "/c.db", RetentionPolicy{}); }
  Checkpointer checkpointer(dir.path() + "/c.db", spdlog::default_logger());
  CHECK_FALSE(checkpointer.wal_committed(0));
  CHECK_FALSE(checkpointer.wal_committed(Checkpointer::kStartPages));
  CHECK_FALSE(checkpointer.wal_committed(Checkpointer::kWriterPages - 1));
  CHECK(checkpointer.wal_committed(Checkpointer::kWriterPages));
}

TEST_CASE("past the start size the WAL is copied into the database file by the thread") {
  testing::TempDir dir;
  const auto db = dir.path() + "/c.db";
  const auto page_bytes = std::uintmax_t{4096};
  std::vector<std::string> ids;
  {
    SqliteWriter writer(db, RetentionPolicy{});
    // 20 KiB reports, in batches, until the WAL has passed the start size with some margin.
    const int reports = Checkpointer::kStartPages * static_cast<int>(page_bytes) / 20000 + 100;
    for (int batch = 0; batch * 50 < reports; ++batch) {
      std::vector<std::string> bodies;
      std::vector<IncomingReport> parsed;
      for (int i = 0; i < 50; ++i) {
        testing::SampleOptions options;
        options.report_id = testing::cat({"r-", std::to_string(batch), "-", std::to_string(i)});
        options.subject.node = testing::cat({"node-", std::to_string(i)});
        bodies.push_back(testing::sample_report_text(options));
        parsed.push_back(std::get<IncomingReport>(validate_report(bodies.back())));
        ids.push_back(options.report_id);
      }
      std::vector<InsertItem> items;
      for (std::size_t i = 0; i < parsed.size(); ++i)
        items.push_back({&parsed[i], bodies[i], 1'800'000'000'000});
      writer.insert_batch(items);
    }
    // Without a checkpoint every page is still in the WAL and the database file holds little
    // more than the schema.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::filesystem::file_size(db) < Checkpointer::kStartPages * page_bytes &&
           std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    CHECK(std::filesystem::file_size(db) >= Checkpointer::kStartPages * page_bytes);
  }
  SqliteReader reader(db, 1);
  for (const auto& id : {ids.front(), ids[ids.size() / 2], ids.back()}) {
    INFO(id);
    CHECK(reader.report(id).has_value());
  }
}
