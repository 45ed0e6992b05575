// The collector's command-line options (`capprobe collector --listen ADDR ...`) and their parsing:
// pure, so that the flag rules are unit-tested without starting a server.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace capprobe::collector {

struct ListenAddress {
  std::string host;  // "127.0.0.1", "::", "0.0.0.0"
  std::uint16_t port = 0;
};

struct RetentionPolicy {
  // History bound: the newest `keep_per_subject` reports of each subject are kept (the subject's
  // latest report always is), and nothing older than `max_age` (0 = no age bound). A subject that
  // has not reported for `max_age` leaves the fleet.
  int keep_per_subject = 20;
  std::chrono::seconds max_age = std::chrono::hours(24 * 30);
};

struct CollectorOptions {
  ListenAddress listen;
  std::string db_path = "capprobe-collector.db";
  // --db-file: the --db value is this file's one line (a mounted Secret), so that a database
  // password is in no command line (ps, the runtime's container config); read at start.
  std::optional<std::string> db_file;
  // Writers' tokens (one a line); without --read-token-file they read too.
  std::optional<std::string> token_file;
  std::optional<std::string> read_token_file;  // readers' tokens
  bool public_read = false;                    // reads need no credential
  // HTTPS: the certificate (then any intermediates) and its key, PEM; both or neither.
  std::optional<std::string> tls_cert;
  std::optional<std::string> tls_key;
  RetentionPolicy retention;
  // A subject whose latest report is older than this is "stale": still listed, but left out of
  // the matrix counts (a DaemonSet rollout renames pods; a removed node stops reporting).
  // 0 = never stale.
  std::chrono::seconds stale_after = std::chrono::hours(1);
  std::size_t max_body_bytes = 1024 * 1024;
  int max_connections = 512;
  // Deadline for reading one whole request, from the moment the server waits for it; a client
  // that dribbles bytes, or an idle keep-alive connection, is closed when it passes.
  std::chrono::milliseconds read_timeout = std::chrono::seconds(10);
  int threads = 0;  // 0 = one per CPU
};

struct HelpRequested {};
struct UsageError {
  std::string message;  // one line, without the program name
};

using ParsedOptions = std::variant<CollectorOptions, HelpRequested, UsageError>;

// args are the arguments after "collector" (no program name).
ParsedOptions parse_collector_args(const std::vector<std::string>& args);

std::optional<ListenAddress> parse_listen_address(const std::string& text);
// "250ms", "10s", "5m", "2h", "30d", or "0"; nullopt when malformed or negative.
std::optional<std::chrono::milliseconds> parse_duration(const std::string& text);
// "1048576", "512k", "1m" (binary units); nullopt when malformed or zero.
std::optional<std::size_t> parse_size(const std::string& text);

const char* collector_usage();

}  // namespace capprobe::collector
