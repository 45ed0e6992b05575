// The collector's request path on any bytes: Beast's request parser with the server's limits,
// then the Api (early_answer on the header, handle on the whole request), with a real Ingest
// and SQLite store in a temporary directory, no sockets. One input is what a client sends on
// one keep-alive connection: up to kMaxRequests requests, each answered before the next is read
// (so a POSTed report shows in the next GET's pages). The steps mirror HttpServer's Session
// (collector/http_server.cpp): header limit, early answer, declared-length check, body limit,
// then handle; the answer is made ready for the wire the way Session::write does.
//
// A finding: an exception out of the request path, an answer of 500 (the Api's "failed
// unexpectedly"), no answer within 20 s, or an answer Beast cannot serialize.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <limits>
#include <memory>
#include <sstream>
#include <string>

#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include "collector/api.hpp"
#include "collector/auth.hpp"
#include "collector/beast.hpp"
#include "collector/fleet.hpp"
#include "collector/ingest.hpp"
#include "collector/metrics.hpp"
#include "collector/options.hpp"
#include "collector/sqlite_store.hpp"
#include "collector/store.hpp"
#include "fuzz/fuzz_check.hpp"

using namespace capprobe;
using namespace capprobe::collector;

namespace {

constexpr int kMaxRequests = 8;
constexpr std::size_t kMaxBodyBytes = 64 * 1024;      // small, so the fuzzer reaches the limit
constexpr std::uint32_t kMaxHeaderBytes = 16 * 1024;  // the server's
constexpr auto kAnswerWait = std::chrono::seconds(20);

// The collector as collector_main() assembles it, over a database in a temporary directory
// that is removed at exit. Never destroyed (the Ingest thread runs until exit); reachable from
// a global, so LeakSanitizer does not count it.
struct Collector {
  std::filesystem::path dir;
  Metrics metrics;
  Fleet fleet;
  std::unique_ptr<StoreWriter> writer;
  std::unique_ptr<StoreReader> reader;
  std::unique_ptr<Ingest> ingest;
  std::unique_ptr<Api> api;
};

Collector* the_collector = nullptr;

void remove_database() {
  std::error_code ignored;
  if (the_collector) std::filesystem::remove_all(the_collector->dir, ignored);
}

Collector& the_running_collector() {
  if (the_collector) return *the_collector;
  std::string pattern =
      (std::filesystem::temp_directory_path() / "capprobe-fuzz-http-XXXXXX").string();
  if (!mkdtemp(pattern.data())) fuzz::fail("cannot make a temporary directory");
  auto* made = new Collector;
  made->dir = pattern;
  the_collector = made;
  std::atexit(remove_database);
  auto log =
      std::make_shared<spdlog::logger>("fuzz", std::make_shared<spdlog::sinks::null_sink_mt>());
  const auto db = (made->dir / "collector.db").string();
  made->writer = std::make_unique<SqliteWriter>(db, RetentionPolicy{});
  made->reader = std::make_unique<SqliteReader>(db, 2);
  made->ingest =
      std::make_unique<Ingest>(*made->writer, made->fleet, made->metrics, IngestLimits{}, log);
  made->api = std::make_unique<Api>(
      ApiConfig{std::make_shared<const Credentials>(
                    AccessRules{TokenSet::parse("fuzz-token"), TokenSet::parse("fuzz-token")}),
                kMaxBodyBytes, std::chrono::seconds(3600)},
      made->fleet, *made->ingest, *made->reader, made->metrics, log);
  return *made;
}

// What Session::write does before the answer goes out, then the bytes Beast would send.
void check_answer(Response response, unsigned version, bool keep_alive, bool head) {
  fuzz::check(response.result() != http::status::internal_server_error,
              "the request path answered 500", response.body());
  response.version(version);
  response.keep_alive(keep_alive);
  response.set(http::field::server, "capprobe-collector");
  response.prepare_payload();
  if (head) {
    const auto length = response.body().size();
    response.body().clear();
    response.content_length(length);
  }
  std::ostringstream wire;
  wire << response;
  fuzz::check(wire.good() && wire.str().starts_with("HTTP/"), "the answer did not serialize");
}

Response answer_of(Api& api, Request request) {
  auto promise = std::make_shared<std::promise<Response>>();
  auto future = promise->get_future();
  api.handle(std::move(request),
             [promise](Response response) { promise->set_value(std::move(response)); });
  if (future.wait_for(kAnswerWait) != std::future_status::ready)
    fuzz::fail("no answer to a request within 20 s");
  return future.get();
}

// One request from the front of `input`; false when the connection ends here (incomplete
// request, a parse error, or an answer that closes it).
bool one_request(Api& api, std::string_view& input) {
  http::request_parser<http::string_body> parser;
  parser.header_limit(kMaxHeaderBytes);
  parser.body_limit(std::numeric_limits<std::uint64_t>::max());
  parser.eager(false);
  boost::system::error_code ec;
  while (!parser.is_header_done()) {
    const auto used = parser.put(net::buffer(input.data(), input.size()), ec);
    input.remove_prefix(used);
    if (ec == http::error::header_limit) {
      check_answer(Api::error_response(http::status::request_header_fields_too_large,
                                       "the request header is too large"),
                   11, false, false);
      return false;
    }
    if (ec || used == 0) return false;  // garbage, or the client stopped sending
  }
  const auto& header = parser.get();
  const unsigned version = header.version();
  const bool keep_alive = header.keep_alive();
  const bool head = header.method() == http::verb::head;
  if (auto early = api.early_answer(header.base(), parser.content_length())) {
    check_answer(std::move(*early), version, false, head);
    return false;
  }
  if (parser.content_length().value_or(0) > kMaxBodyBytes) {
    check_answer(api.too_large(header.base()), version, false, head);
    return false;
  }
  parser.body_limit(kMaxBodyBytes);
  parser.eager(true);
  while (!parser.is_done()) {
    const auto used = parser.put(net::buffer(input.data(), input.size()), ec);
    input.remove_prefix(used);
    if (ec == http::error::need_more && input.empty()) {
      parser.put_eof(ec);
      if (ec) return false;  // the body is cut short: the server waits, then times out
      break;
    }
    if (ec == http::error::body_limit) {
      check_answer(api.too_large(parser.get().base()), version, false, head);
      return false;
    }
    if (ec && ec != http::error::need_more) return false;
    if (used == 0 && !parser.is_done()) return false;
  }
  check_answer(answer_of(api, parser.release()), version, keep_alive, head);
  return keep_alive;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Api& api = *the_running_collector().api;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  try {
    for (int i = 0; i < kMaxRequests && !input.empty(); ++i)
      if (!one_request(api, input)) break;
  } catch (const std::exception& error) {
    fuzz::fail("an exception left the request path", error.what());
  }
  return 0;
}
