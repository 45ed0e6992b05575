// Flag parsing for `capprobe collector`; every error is one line that names the flag.
#include "collector/options.hpp"

#include <charconv>
#include <limits>

namespace capprobe::collector {
namespace {

template <typename Int>
std::optional<Int> parse_int(const std::string& text) {
  Int value{};
  const auto* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr != end || text.empty()) return std::nullopt;
  return value;
}

}  // namespace

const char* collector_usage() {
  return "usage: capprobe collector --listen ADDR [--db PATH|URL | --db-file F] [--token-file F]\n"
         "                          [--read-token-file F | --public-read]\n"
         "                          [--tls-cert FILE --tls-key FILE]\n"
         "\n"
         "Receives capprobe reports over HTTP(S), stores them in SQLite and serves the fleet's\n"
         "capability matrix (JSON at /api/v1/matrix, HTML at /, Prometheus at /metrics).\n"
         "Every request but the report POST and /healthz needs the read credential:\n"
         "'Authorization: Bearer <token>', or HTTP Basic with the token as the password.\n"
         "\n"
         "  --listen ADDR          HOST:PORT to listen on (127.0.0.1:8080, :8080, [::]:8080)\n"
         "  --db PATH|URL          SQLite database file (default capprobe-collector.db), or a\n"
         "                         postgres:// URL that several collectors share\n"
         "  --db-file F            --db's value from file F (one line, e.g. a mounted Secret),\n"
         "                         so that a database password is on no command line\n"
         "  --token-file F         tokens (one a line) that may post reports, and read unless\n"
         "                         --read-token-file is given; re-read when F changes\n"
         "  --read-token-file F    tokens (one a line) that may read; re-read when F changes\n"
         "  --public-read          anyone may read, without a credential\n"
         "  --tls-cert FILE        serve HTTPS with this certificate chain (PEM) ...\n"
         "  --tls-key FILE         ... and its key; both re-read when they change\n"
         "  --keep N               reports of history kept per subject (default 20)\n"
         "  --max-age DURATION     drop reports older than this, 0 = never (default 30d)\n"
         "  --stale-after DURATION leave subjects silent this long out of the matrix,\n"
         "                         0 = never (default 1h)\n"
         "  --max-body SIZE        largest accepted report body (default 1m)\n"
         "  --max-connections N    open connections at most (default 512)\n"
         "  --read-timeout DURATION  deadline to read one request (default 10s)\n"
         "  --threads N            HTTP worker threads (default: one per CPU)\n"
         "  --help                 this text\n";
}

std::optional<ListenAddress> parse_listen_address(const std::string& text) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos) return std::nullopt;
  std::string host = text.substr(0, colon);
  const auto port = parse_int<std::uint16_t>(text.substr(colon + 1));
  if (!port) return std::nullopt;
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  else if (host.find(':') != std::string::npos)
    return std::nullopt;  // an IPv6 address needs brackets to tell it from the port
  if (host.empty()) host = "0.0.0.0";
  return ListenAddress{host, *port};
}

std::optional<std::chrono::milliseconds> parse_duration(const std::string& text) {
  if (text == "0") return std::chrono::milliseconds(0);
  std::size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  if (digits == 0) return std::nullopt;
  const auto number = parse_int<std::int64_t>(text.substr(0, digits));
  if (!number) return std::nullopt;
  const std::string unit = text.substr(digits);
  std::int64_t scale = 0;
  if (unit == "ms")
    scale = 1;
  else if (unit == "s")
    scale = 1000;
  else if (unit == "m")
    scale = 60 * 1000;
  else if (unit == "h")
    scale = 3600 * 1000;
  else if (unit == "d")
    scale = 24 * 3600 * 1000;
  else
    return std::nullopt;
  if (*number > std::numeric_limits<std::int64_t>::max() / scale) return std::nullopt;
  return std::chrono::milliseconds(*number * scale);
}

std::optional<std::size_t> parse_size(const std::string& text) {
  if (text.empty()) return std::nullopt;
  std::size_t scale = 1;
  std::string number = text;
  const char unit = text.back();
  if (unit == 'k' || unit == 'K') scale = 1024;
  if (unit == 'm' || unit == 'M') scale = 1024 * 1024;
  if (scale != 1) number.pop_back();
  const auto value = parse_int<std::size_t>(number);
  if (!value || *value == 0 || *value > std::numeric_limits<std::size_t>::max() / scale)
    return std::nullopt;
  return *value * scale;
}

ParsedOptions parse_collector_args(const std::vector<std::string>& args) {
  for (const auto& arg : args)
    if (arg == "--help" || arg == "-h") return HelpRequested{};
  CollectorOptions options;
  bool have_listen = false;
  bool have_db = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string flag = args[i];
    std::optional<std::string> value;
    if (const auto eq = flag.find('='); flag.rfind("--", 0) == 0 && eq != std::string::npos) {
      value = flag.substr(eq + 1);
      flag = flag.substr(0, eq);
    }
    const auto take = [&]() -> std::optional<std::string> {
      if (value) return value;
      if (i + 1 >= args.size()) return std::nullopt;
      return args[++i];
    };
    const auto needs = [&](const std::string& what) { return UsageError{flag + " needs " + what}; };
    if (flag == "--listen") {
      const auto text = take();
      if (!text) return needs("an address, e.g. 127.0.0.1:8080");
      const auto address = parse_listen_address(*text);
      if (!address) return UsageError{"--listen: not a HOST:PORT address: '" + *text + "'"};
      options.listen = *address;
      have_listen = true;
    } else if (flag == "--db") {
      const auto text = take();
      if (!text || text->empty()) return needs("a file path");
      options.db_path = *text;
      have_db = true;
    } else if (flag == "--db-file") {
      const auto text = take();
      if (!text || text->empty()) return needs("a file path");
      options.db_file = *text;
    } else if (flag == "--token-file" || flag == "--read-token-file" || flag == "--tls-cert" ||
               flag == "--tls-key") {
      const auto text = take();
      if (!text || text->empty()) return needs("a file path");
      (flag == "--token-file"        ? options.token_file
       : flag == "--read-token-file" ? options.read_token_file
       : flag == "--tls-cert"        ? options.tls_cert
                                     : options.tls_key) = *text;
    } else if (flag == "--public-read") {
      if (value) return UsageError{"--public-read takes no value"};
      options.public_read = true;
    } else if (flag == "--keep") {
      const auto text = take();
      const auto keep = text ? parse_int<int>(*text) : std::nullopt;
      if (!keep || *keep < 1) return needs("a count of at least 1");
      options.retention.keep_per_subject = *keep;
    } else if (flag == "--max-age" || flag == "--stale-after" || flag == "--read-timeout") {
      const auto text = take();
      const auto duration = text ? parse_duration(*text) : std::nullopt;
      if (!duration) return needs("a duration such as 500ms, 10s, 5m, 2h or 30d");
      if (flag == "--max-age")
        options.retention.max_age = std::chrono::duration_cast<std::chrono::seconds>(*duration);
      else if (flag == "--stale-after")
        options.stale_after = std::chrono::duration_cast<std::chrono::seconds>(*duration);
      else if (duration->count() == 0)
        return needs("a duration above 0");
      else
        options.read_timeout = *duration;
    } else if (flag == "--max-body") {
      const auto text = take();
      const auto size = text ? parse_size(*text) : std::nullopt;
      if (!size) return needs("a size such as 1048576, 512k or 1m");
      options.max_body_bytes = *size;
    } else if (flag == "--max-connections" || flag == "--threads") {
      const auto text = take();
      const auto count = text ? parse_int<int>(*text) : std::nullopt;
      if (!count || *count < 1 || *count > 1'000'000) return needs("a count of at least 1");
      (flag == "--threads" ? options.threads : options.max_connections) = *count;
    } else {
      return UsageError{"unknown argument '" + args[i] + "' (see --help)"};
    }
  }
  if (!have_listen) return UsageError{"--listen ADDR is required (see --help)"};
  if (have_db && options.db_file) return UsageError{"--db and --db-file contradict each other"};
  if (options.tls_cert.has_value() != options.tls_key.has_value())
    return UsageError{"--tls-cert and --tls-key go together"};
  if (options.public_read && options.read_token_file)
    return UsageError{"--public-read and --read-token-file contradict each other"};
  // Reads need a credential unless --public-read; with no token there is none to check, so
  // rather than serve the fleet to anyone by default the choice is the operator's.
  if (!options.public_read && !options.token_file && !options.read_token_file)
    return UsageError{
        "reading the fleet needs a credential: give --token-file (or --read-token-file), or "
        "--public-read to let anyone who can connect read it"};
  return options;
}

}  // namespace capprobe::collector
