// Start-up and shutdown of the collector: options, credentials, TLS, database, the in-memory
// fleet, the ingest writer and the HTTP server, in the order that lets each stop cleanly.
#include "collector/collector_command.hpp"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fstream>
#include <future>
#include <iostream>
#include <thread>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "collector/api.hpp"
#include "collector/auth.hpp"
#include "collector/beast.hpp"
#include "collector/fleet.hpp"
#include "collector/http_server.hpp"
#include "collector/ingest.hpp"
#include "collector/metrics.hpp"
#include "collector/options.hpp"
#include "collector/postgres.hpp"
#include "collector/replica_follower.hpp"
#include "collector/store.hpp"
#include "collector/tls.hpp"

namespace capprobe::collector {
namespace {

std::shared_ptr<spdlog::logger> collector_logger() {
  if (auto existing = spdlog::get("collector")) return existing;
  try {
    return spdlog::stderr_color_mt("collector");
  } catch (const spdlog::spdlog_ex&) {
    return spdlog::get("collector");  // another thread registered it first
  }
}

std::optional<tcp::endpoint> resolve(const ListenAddress& listen, std::string& error) {
  boost::system::error_code ec;
  const auto address = net::ip::make_address(listen.host, ec);
  if (!ec) return tcp::endpoint(address, listen.port);
  net::io_context io;
  tcp::resolver resolver(io);
  const auto results = resolver.resolve(listen.host, std::to_string(listen.port), ec);
  if (ec || results.empty()) {
    error = "cannot resolve listen host " + listen.host + ": " + ec.message();
    return std::nullopt;
  }
  return results.begin()->endpoint();
}

// --db-file's one line, without the line end a Secret made from a file usually has. nullopt
// with `error` set when the file cannot serve; the error never shows the file's content, which
// holds a password.
std::optional<std::string> read_db_file(const std::string& path, std::string& error) {
  constexpr std::size_t kMaxBytes = 64 * 1024;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = "cannot read --db-file " + path + ": " + std::strerror(errno);
    return std::nullopt;
  }
  std::string text(kMaxBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > kMaxBytes) {
    error = "--db-file " + path + " is larger than 64 KiB: not a database URL or path";
    return std::nullopt;
  }
  const auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!text.empty() && is_space(text.back())) text.pop_back();
  const auto first = std::find_if_not(text.begin(), text.end(), is_space);
  text.erase(text.begin(), first);
  if (text.empty()) {
    error = "--db-file " + path + " is empty";
    return std::nullopt;
  }
  if (text.find_first_of("\r\n") != std::string::npos) {
    error = "--db-file " + path +
            " holds more than one line; it must hold the database URL or path alone";
    return std::nullopt;
  }
  // What is not a postgres:// URL is taken for a SQLite path and named in the log, where only a
  // URL's password is hidden: what cannot be a path is refused unseen (libpq's "host=...
  // password=..." form, a mistyped scheme, a byte-order mark before the URL).
  const bool path_like =
      text.find("://") == std::string::npos && text.find('=') == std::string::npos &&
      text.rfind("\xEF\xBB\xBF", 0) != 0 && std::none_of(text.begin(), text.end(), [](char c) {
        return static_cast<unsigned char>(c) < 0x20 || c == ' ';
      });
  if (!postgres::is_postgres_url(text) && !path_like) {
    error = "--db-file " + path +
            " holds neither a postgres:// (postgresql://) URL nor a SQLite file path without "
            "spaces (libpq's keyword=value form is not read; a SQLite path with spaces goes in "
            "--db; the content is not shown)";
    return std::nullopt;
  }
  return text;
}

int fail(const std::string& message) {
  std::cerr << "capprobe collector: " << message << "\n";
  return 1;
}

// How often the token files and the certificate pair are read to see whether they changed: a
// rotation is in use a second or two after the files change.
constexpr auto kReloadInterval = std::chrono::seconds(1);

// Re-reads the credentials and the TLS pair every kReloadInterval, on the io_context's threads,
// until the io_context stops.
class Reloader : public std::enable_shared_from_this<Reloader> {
 public:
  Reloader(net::io_context& io, std::shared_ptr<Credentials> credentials,
           std::shared_ptr<ServerTls> tls, std::shared_ptr<spdlog::logger> log)
      : timer_(io),
        credentials_(std::move(credentials)),
        tls_(std::move(tls)),
        log_(std::move(log)) {}

  void start() {
    timer_.expires_after(kReloadInterval);
    timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (ec) return;
      self->credentials_->reload(*self->log_);
      if (self->tls_) self->tls_->reload(*self->log_);
      self->start();
    });
  }

 private:
  net::steady_timer timer_;
  std::shared_ptr<Credentials> credentials_;
  std::shared_ptr<ServerTls> tls_;
  std::shared_ptr<spdlog::logger> log_;
};

}  // namespace

int collector_main(const std::vector<std::string>& args) {
  const auto parsed = parse_collector_args(args);
  if (std::holds_alternative<HelpRequested>(parsed)) {
    std::cout << collector_usage();
    return 0;
  }
  if (const auto* usage = std::get_if<UsageError>(&parsed)) {
    std::cerr << "capprobe collector: " << usage->message << "\n";
    return 2;
  }
  const auto& options = std::get<CollectorOptions>(parsed);
  auto log = collector_logger();

  std::shared_ptr<Credentials> credentials;
  std::shared_ptr<ServerTls> tls;
  try {
    credentials = std::make_shared<Credentials>(
        CredentialFiles{options.token_file, options.read_token_file, options.public_read});
    if (options.tls_cert) tls = std::make_shared<ServerTls>(*options.tls_cert, *options.tls_key);
  } catch (const std::exception& error) {
    return fail(error.what());
  }
  std::string resolve_error;
  const auto endpoint = resolve(options.listen, resolve_error);
  if (!endpoint) return fail(resolve_error);
  const int threads = options.threads > 0
                          ? options.threads
                          : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));

  std::string db = options.db_path;
  if (options.db_file) {
    std::string db_file_error;
    const auto from_file = read_db_file(*options.db_file, db_file_error);
    if (!from_file) return fail(db_file_error);
    db = *from_file;
  }

  Metrics metrics;
  Fleet fleet;
  OpenedStore store;
  try {
    store = open_store(db, options.retention, threads + 1);
    for (auto& state : store.writer->load_latest()) fleet.apply(std::move(state));
  } catch (const std::exception& error) {
    return fail("cannot open database " + describe_store(db) + ": " + error.what());
  }
  auto& writer = store.writer;
  auto& reader = store.reader;
  // Other collectors write a shared store: their reports reach this one's fleet through it.
  std::unique_ptr<ReplicaFollower> follower;
  if (store.shared) follower = std::make_unique<ReplicaFollower>(*reader, fleet, log);

  Ingest ingest(*writer, fleet, metrics, IngestLimits{}, log);
  Api api(ApiConfig{credentials, options.max_body_bytes, options.stale_after}, fleet, ingest,
          *reader, metrics, log);

  net::io_context io(threads);
  std::unique_ptr<HttpServer> server;
  try {
    server = std::make_unique<HttpServer>(
        io, *endpoint, api, metrics,
        ServerLimits{options.max_body_bytes, 16 * 1024, options.read_timeout,
                     std::chrono::seconds(30), options.max_connections},
        log, tls);
  } catch (const std::exception& error) {
    return fail("cannot listen on " + options.listen.host + ":" +
                std::to_string(options.listen.port) + ": " + error.what());
  }

  std::promise<int> stop_signal;
  net::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int number) {
    if (!ec) stop_signal.set_value(number);
  });
  server->start();
  std::make_shared<Reloader>(io, credentials, tls, log)->start();
  const auto bound = server->local_endpoint();
  const auto host = bound.address().is_v6() ? "[" + bound.address().to_string() + "]"
                                            : bound.address().to_string();
  log->info(
      "Listening on {}://{}:{} database={} subjects={} nodes={} {} keep={} max_age={}s "
      "stale_after={}s",
      tls ? "https" : "http", host, bound.port(), describe_store(db), fleet.size(),
      fleet.node_count(), credentials->summary(), options.retention.keep_per_subject,
      options.retention.max_age.count(), options.stale_after.count());
  if (tls)
    log->info("TLS 1.2 (ECDHE with AES-GCM or ChaCha20-Poly1305) and TLS 1.3 only; certificate {}",
              tls->summary());
  if (credentials->writes_open())
    log->warn(
        "NO --token-file: this collector accepts reports from ANYONE who can connect to it; "
        "anyone can add or overwrite nodes in the fleet");
  if (credentials->reads_public())
    log->warn(
        "--public-read: anyone who can connect reads every node's reports and the matrix, "
        "without a credential");
  if (!tls && !(credentials->writes_open() && credentials->reads_public()))
    log->info(
        "Tokens travel in clear text over HTTP: use --tls-cert/--tls-key, or a proxy that "
        "terminates TLS in front");

  std::vector<std::thread> workers;
  for (int i = 0; i < threads; ++i) workers.emplace_back([&io] { io.run(); });

  const int signal_number = stop_signal.get_future().get();
  log->info("Signal {} received: finishing acknowledged work and stopping", signal_number);
  server->stop();
  ingest.stop();  // commits and answers everything queued
  // The answers of that last batch are posted to the connections; let them reach the wire.
  std::this_thread::sleep_for(std::chrono::milliseconds(250));
  io.stop();
  for (auto& worker : workers) worker.join();
  log->info("Stopped");
  return 0;
}

}  // namespace capprobe::collector
