// The agent's flag table: each flag once, driving both parsing and --help.
#include "agent/daemon/options.hpp"

#include <algorithm>
#include <cctype>
#include <set>
#include <string_view>

#include "agent/cli.hpp"
#include "agent/help_table.hpp"

namespace capprobe::agent::daemon {
namespace {

constexpr Millis kMinInterval{1000};

struct Draft {
  AgentOptions options;
  std::set<std::string> seen;  // value flags given so far, to refuse a second one
};

struct FlagSpec {
  std::string_view name;
  std::string_view value_name;  // empty for a switch
  std::string_view help;
  std::string (*apply)(Draft&, const std::string& value);
};

std::string set_path(std::optional<std::string>& slot, std::string_view flag,
                     const std::string& value) {
  if (value.empty()) return std::string(flag) + " needs a file name";
  slot = value;
  return "";
}

std::string set_duration(Millis& slot, std::string_view flag, const std::string& value) {
  const auto parsed = parse_duration(value);
  if (!parsed)
    return std::string(flag) + " '" + value +
           "' is not a duration (e.g. 30s, 10m, 1h30m, 500ms; positive, at most 30 days)";
  slot = *parsed;
  return "";
}

// "http(s)://host[:port][/prefix]": the reports go to <url>/api/v1/reports.
std::string set_collector(Draft& draft, const std::string& value) {
  std::string url = value;
  const auto scheme_end = url.find("://");
  const auto scheme = scheme_end == std::string::npos ? "" : url.substr(0, scheme_end);
  std::string lower_scheme = scheme;
  std::transform(lower_scheme.begin(), lower_scheme.end(), lower_scheme.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower_scheme != "http" && lower_scheme != "https")
    return "--collector '" + value + "' must start with http:// or https://";
  if (url.size() == scheme_end + 3 || url[scheme_end + 3] == '/')
    return "--collector '" + value + "' has no host";
  for (const char c : url)
    if (std::isspace(static_cast<unsigned char>(c)) || c == '?' || c == '#' ||
        static_cast<unsigned char>(c) < 0x20)
      return "--collector '" + value + "' must be a plain base URL (no spaces, query or fragment)";
  while (!url.empty() && url.back() == '/') url.pop_back();
  draft.options.collector = url;
  return "";
}

// A count or a size: digits with an optional Ki, Mi or Gi suffix.
std::optional<std::uint64_t> parse_size(std::string_view text) {
  std::uint64_t shift = 0;
  for (const auto& [suffix, bits] :
       {std::pair<std::string_view, int>{"Ki", 10}, {"Mi", 20}, {"Gi", 30}}) {
    if (text.size() > suffix.size() && text.substr(text.size() - suffix.size()) == suffix) {
      text.remove_suffix(suffix.size());
      shift = static_cast<std::uint64_t>(bits);
      break;
    }
  }
  if (text.empty() || text.size() > 12) return std::nullopt;
  std::uint64_t number = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    number = number * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return number << shift;
}

const std::vector<FlagSpec>& flags() {
  static const std::vector<FlagSpec> table{
      {"--collector", "URL",
       "the collector's base URL (required); reports are POSTed to\nURL/api/v1/reports",
       [](Draft& draft, const std::string& value) { return set_collector(draft, value); }},
      {"--interval", "DURATION",
       "time between rounds (default 10m, each wait moved by up to\n10% either way so that a fleet "
       "does "
       "not report in lockstep; at least 1s)",
       [](Draft& draft, const std::string& value) -> std::string {
         if (auto problem = set_duration(draft.options.interval, "--interval", value);
             !problem.empty())
           return problem;
         if (draft.options.interval < kMinInterval) return "--interval must be at least 1s";
         return "";
       }},
      {"--once", "", "one round: probe, deliver (flushing the spool too), exit",
       [](Draft& draft, const std::string&) -> std::string {
         draft.options.once = true;
         return "";
       }},
      {"--token-file", "FILE",
       "bearer token for the collector, re-read before each delivery\n(so a rotated secret is "
       "picked up)",
       [](Draft& draft, const std::string& value) {
         return set_path(draft.options.token_file, "--token-file", value);
       }},
      {"--ca-file", "FILE", "CA bundle (PEM) to verify an https collector with",
       [](Draft& draft, const std::string& value) {
         return set_path(draft.options.ca_file, "--ca-file", value);
       }},
      {"--spool-dir", "DIR",
       "where undelivered reports wait for the collector (default\n/var/lib/capprobe/spool, "
       "created 0700)",
       [](Draft& draft, const std::string& value) -> std::string {
         if (value.empty()) return "--spool-dir needs a directory";
         draft.options.spool_dir = value;
         return "";
       }},
      {"--spool-max-reports", "N",
       "spool bound in reports (default 500); beyond it the oldest is\ndropped and counted",
       [](Draft& draft, const std::string& value) -> std::string {
         const auto count = parse_size(value);
         if (!count || *count == 0 || *count > 1000000)
           return "--spool-max-reports '" + value + "' must be a count from 1 to 1000000";
         draft.options.spool_max_reports = static_cast<std::size_t>(*count);
         return "";
       }},
      {"--spool-max-bytes", "SIZE", "spool bound in bytes (default 64Mi; Ki, Mi, Gi suffixes)",
       [](Draft& draft, const std::string& value) -> std::string {
         const auto size = parse_size(value);
         if (!size || *size < 1024)
           return "--spool-max-bytes '" + value + "' must be a size of at least 1Ki";
         draft.options.spool_max_bytes = *size;
         return "";
       }},
      {"--listen", "ADDR",
       "serve /healthz and /metrics on ADDR (IP:PORT, [IPv6]:PORT or\n:PORT for all IPv4 "
       "interfaces)",
       [](Draft& draft, const std::string& value) -> std::string {
         draft.options.listen = parse_listen_address(value);
         if (!draft.options.listen)
           return "--listen '" + value + "' must be IP:PORT, [IPv6]:PORT or :PORT";
         return "";
       }},
      {"--nfd-file", "FILE",
       "write each round's Node Feature Discovery feature file here\n(atomically)",
       [](Draft& draft, const std::string& value) {
         return set_path(draft.options.nfd_file, "--nfd-file", value);
       }},
      {"--pod-spec", "FILE",
       "the pod spec this pod was created from (JSON), read once at\nstart, so that results "
       "say what was requested",
       [](Draft& draft, const std::string& value) {
         return set_path(draft.options.pod_spec, "--pod-spec", value);
       }},
      {"--no-pod-lookup", "",
       "in a pod, do not GET the pod's own spec from the API server each\nround (without "
       "--pod-spec, that GET says what was requested)",
       [](Draft& draft, const std::string&) -> std::string {
         draft.options.pod_lookup.enabled = false;
         return "";
       }},
      {"--service-account-dir", "DIR",
       "the service account's token, ca.crt and namespace for that GET\n(default "
       "/var/run/secrets/kubernetes.io/serviceaccount;\nHostProcess: under "
       "CONTAINER_SANDBOX_MOUNT_POINT first)",
       [](Draft& draft, const std::string& value) -> std::string {
         if (value.empty()) return "--service-account-dir needs a directory";
         draft.options.pod_lookup.service_account_dir = value;
         return "";
       }},
      {"--container", "NAME",
       "the container of the pod spec the agent runs in (default\nCAPPROBE_CONTAINER); without "
       "either, a pod of several containers\nleaves the container's requests unknown",
       [](Draft& draft, const std::string& value) -> std::string {
         if (value.empty()) return "--container needs a container name";
         draft.options.container = value;
         return "";
       }},
      {"--only", "ID,...", "run only these capabilities (ids from 'capprobe list')",
       [](Draft& draft, const std::string& value) {
         return add_capability_ids(draft.options.selection.only, "--only", value);
       }},
      {"--skip", "ID,...", "do not run these capabilities",
       [](Draft& draft, const std::string& value) {
         return add_capability_ids(draft.options.selection.skip, "--skip", value);
       }},
      {"--quick", "", "skip the deliberate CPU burn and memory allocation test",
       [](Draft& draft, const std::string&) -> std::string {
         draft.options.selection.quick = true;
         return "";
       }},
      {"--connect-timeout", "DURATION", "connecting to the collector (default 5s)",
       [](Draft& draft, const std::string& value) {
         return set_duration(draft.options.connect_timeout, "--connect-timeout", value);
       }},
      {"--timeout", "DURATION", "a whole delivery (default 20s)",
       [](Draft& draft, const std::string& value) {
         return set_duration(draft.options.timeout, "--timeout", value);
       }},
      {"--retry-max", "DURATION",
       "longest wait between delivery retries (default 5m; retries\nstart at 2s and double)",
       [](Draft& draft, const std::string& value) {
         return set_duration(draft.options.backoff.max, "--retry-max", value);
       }},
  };
  return table;
}

AgentUsageError usage(const std::string& what) {
  return {"capprobe: " + what + " (see capprobe agent --help)"};
}

std::string flags_help() {
  std::vector<std::pair<std::string, std::string_view>> rows;
  for (const auto& flag : flags()) {
    std::string left(flag.name);
    if (!flag.value_name.empty()) left.append(" ").append(flag.value_name);
    rows.emplace_back(std::move(left), flag.help);
  }
  return flags_table(std::move(rows));
}

bool is_ipv4(std::string_view text) {
  int parts = 0;
  std::size_t at = 0;
  while (true) {
    std::size_t digits = 0;
    int value = 0;
    for (; at < text.size() && std::isdigit(static_cast<unsigned char>(text[at])); ++at, ++digits)
      value = value * 10 + (text[at] - '0');
    if (digits == 0 || digits > 3 || value > 255) return false;
    ++parts;
    if (at == text.size()) return parts == 4;
    if (text[at] != '.' || parts == 4) return false;
    ++at;
  }
}

bool looks_like_ipv6(std::string_view text) {
  if (text.find(':') == std::string_view::npos) return false;
  return std::all_of(text.begin(), text.end(), [](char c) {
    return std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.';
  });
}

}  // namespace

std::optional<ListenAddress> parse_listen_address(std::string_view text) {
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos) return std::nullopt;
  auto host = text.substr(0, colon);
  const auto port_text = text.substr(colon + 1);
  if (port_text.empty() || port_text.size() > 5) return std::nullopt;
  unsigned port = 0;
  for (const char c : port_text) {
    if (c < '0' || c > '9') return std::nullopt;
    port = port * 10 + static_cast<unsigned>(c - '0');
  }
  if (port == 0 || port > 65535) return std::nullopt;
  ListenAddress address;
  address.port = static_cast<std::uint16_t>(port);
  if (host.empty()) {
    address.host = "0.0.0.0";
  } else if (host.front() == '[' && host.back() == ']' && host.size() > 2) {
    host = host.substr(1, host.size() - 2);
    if (!looks_like_ipv6(host)) return std::nullopt;
    address.host = std::string(host);
  } else if (is_ipv4(host)) {
    address.host = std::string(host);
  } else {
    return std::nullopt;
  }
  return address;
}

std::string agent_help() {
  return "Usage: capprobe agent --collector URL [--interval 10m] [--token-file F]\n"
         "                      [--spool-dir D] [--listen ADDR] [--nfd-file F] [--once]\n"
         "                      [--only ID,...] [--skip ID,...] [--quick]\n"
         "                      [--pod-spec F | --no-pod-lookup] [--service-account-dir D]\n"
         "                      [--container NAME]\n"
         "\n"
         "Runs the probes at start and then every interval, and delivers each report to the\n"
         "collector. A report the collector cannot take now waits in the spool and is retried,\n"
         "oldest first, with growing pauses; nothing is lost to an outage. SIGTERM finishes\n"
         "the delivery under way, keeps the spool and exits 0. An answer of 401 or 403 keeps\n"
         "the report for a later try too (a token being rotated); 400 and 413 drop it.\n"
         "\n"
         "Each round runs in a child process of its own, and each delivery in the helper\n"
         "capprobe-deliver, which must be installed in the same directory as capprobe. In a\n"
         "pod and without --pod-spec, each round first reads the pod's own spec with one GET\n"
         "from the API server, through the same helper; a failed lookup is said in the\n"
         "report and never fails the round.\n"
         "\n" +
         flags_help() +
         "\n"
         "Environment:\n"
         "  NODE_NAME, POD_NAMESPACE, POD_NAME  the subject, from the downward API\n"
         "  KUBERNETES_SERVICE_HOST, _PORT      the API server of the own-pod GET\n"
         "  CAPPROBE_CONTAINER                  which container of the pod spec this is\n"
         "                                      (--container wins)\n"
         "  CAPPROBE_LOG                        log level on stderr (default info for the agent)\n"
         "\n"
         "Exit status: 0 stopped by a signal, or with --once the report was delivered or\n"
         "safely spooled; 1 the agent could not run or (--once) the report was lost or\n"
         "rejected; 2 usage error.\n";
}

AgentCommandLine parse_agent_args(const std::vector<std::string>& args,
                                  const std::vector<probes::Probe>& catalog) {
  if (std::any_of(args.begin(), args.end(),
                  [](const std::string& word) { return word == "-h" || word == "--help"; }))
    return AgentHelp{agent_help()};
  Draft draft;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& word = args[i];
    if (word.size() < 3 || word.rfind("--", 0) != 0)
      return usage("unexpected argument '" + word + "'");
    std::string name = word;
    std::optional<std::string> inline_value;
    if (const auto equals = word.find('='); equals != std::string::npos) {
      name = word.substr(0, equals);
      inline_value = word.substr(equals + 1);
    }
    const auto flag = std::find_if(flags().begin(), flags().end(),
                                   [&](const FlagSpec& spec) { return spec.name == name; });
    if (flag == flags().end()) return usage("unknown flag '" + name + "'");
    std::string value;
    if (flag->value_name.empty()) {
      if (inline_value) return usage(name + " takes no value");
    } else if (inline_value) {
      value = *inline_value;
    } else if (i + 1 < args.size() && args[i + 1].rfind("--", 0) != 0) {
      value = args[++i];
    } else {
      return usage(name + " needs a value (" + std::string(flag->value_name) + ")");
    }
    // --only and --skip accumulate; every other value flag is one setting.
    if (!flag->value_name.empty() && name != "--only" && name != "--skip" &&
        !draft.seen.insert(name).second)
      return usage(name + " is given twice");
    if (auto problem = flag->apply(draft, value); !problem.empty()) return usage(problem);
  }
  auto& options = draft.options;
  if (options.collector.empty()) return usage("--collector URL is required");
  const std::pair<const std::set<std::string>*, const char*> id_flags[] = {
      {&options.selection.only, "--only"}, {&options.selection.skip, "--skip"}};
  for (const auto& [ids, flag] : id_flags) {
    Selection one;
    one.only = *ids;
    if (const auto unknown = unknown_ids(catalog, one); !unknown.empty())
      return AgentUsageError{"capprobe: unknown capability id '" + unknown.front() + "' in " +
                             flag + " (see capprobe list)"};
  }
  for (const auto& id : options.selection.only)
    if (options.selection.skip.count(id)) return usage("'" + id + "' is in both --only and --skip");
  if (options.connect_timeout > options.timeout)
    return usage("--connect-timeout is longer than --timeout");
  options.backoff.initial = std::min(options.backoff.initial, options.backoff.max);
  return options;
}

}  // namespace capprobe::agent::daemon
