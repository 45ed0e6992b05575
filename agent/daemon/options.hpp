// The `capprobe agent` command line, parsed by a pure function into AgentOptions (or the help
// text, or a one-line usage error) so that every flag rule has a table-driven test.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "agent/daemon/backoff.hpp"
#include "agent/daemon/duration.hpp"
#include "agent/pod_lookup.hpp"
#include "agent/runner.hpp"
#include "probes/probe.hpp"

namespace capprobe::agent::daemon {

inline constexpr const char* kDefaultSpoolDir = "/var/lib/capprobe/spool";

struct ListenAddress {
  std::string host;  // a literal IPv4 or IPv6 address ("127.0.0.1", "::1", "0.0.0.0")
  std::uint16_t port = 0;
};

struct AgentOptions {
  std::string collector;  // base URL, "http(s)://host[:port][/prefix]", no trailing slash
  Millis interval{10 * 60 * 1000};
  double jitter = 0.1;  // each wait is interval ± 10%
  std::optional<std::string> token_file;
  std::optional<std::string> ca_file;
  std::string spool_dir = kDefaultSpoolDir;
  std::size_t spool_max_reports = 500;
  std::uint64_t spool_max_bytes = 64ULL << 20;
  std::optional<ListenAddress> listen;
  std::optional<std::string> nfd_file;
  std::optional<std::string> pod_spec;
  std::optional<std::string> container;  // --container: which container of the pod this is
  PodLookupOptions pod_lookup;           // --no-pod-lookup, --service-account-dir: the own-pod GET
  bool once = false;
  Selection selection;
  Millis connect_timeout{5000};
  Millis timeout{20000};  // a whole delivery; below Kubernetes' default 30 s grace period
  BackoffPolicy backoff;
};

struct AgentHelp {
  std::string text;
};

// "capprobe: ... (see capprobe agent --help)"; exit 2.
struct AgentUsageError {
  std::string message;
};

using AgentCommandLine = std::variant<AgentUsageError, AgentHelp, AgentOptions>;

// `args` are the words after "agent". `catalog` is what --only/--skip ids are checked against.
AgentCommandLine parse_agent_args(const std::vector<std::string>& args,
                                  const std::vector<probes::Probe>& catalog);

std::string agent_help();

// "127.0.0.1:9101", "[::1]:9101", ":9101" (all IPv4 interfaces); nullopt when not one.
std::optional<ListenAddress> parse_listen_address(std::string_view text);

}  // namespace capprobe::agent::daemon
