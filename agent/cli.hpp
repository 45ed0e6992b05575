// The capprobe command line (DESIGN.md "Command line") parsed by a pure function into plain
// structs; acting on them is main's job. Adding a subcommand: its Args struct in CommandLine,
// one row in the command table (cli.cpp), and its runner in main (the compiler insists).
#pragma once

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "agent/formats/format.hpp"
#include "agent/pod_lookup.hpp"
#include "agent/runner.hpp"
#include "probes/probe.hpp"

namespace capprobe::agent {

inline constexpr int kExitOk = 0;      // the probes ran, whatever they found
inline constexpr int kExitFailed = 1;  // the run itself failed
inline constexpr int kExitUsage = 2;   // the command line (or the user's input file) is wrong

struct HelpArgs {
  std::string text;  // printed on stdout, exit 0
};

struct VersionArgs {};

struct ListArgs {
  bool json = false;
};

// What the conformance impact is asked for (`capprobe impact`, `capprobe probe --impact`).
struct ImpactOptions {
  bool enabled = false;                    // probe --impact
  std::optional<std::string> k8s_version;  // "1.30"; nullopt: the newest this build maps
  std::optional<std::string> profile;      // a profile name (impact/data/profiles.json)
};

struct ProbeArgs {
  Format format = Format::table;
  Selection selection;
  std::optional<std::string> pod_spec;  // a path, or "-" for stdin
  std::optional<std::string> output;    // a path; nullopt (or "-") = stdout
  // --container: which container of the pod this process runs in
  std::optional<std::string> container;
  // --no-pod-lookup, --service-account-dir: the own-pod GET when there is no --pod-spec
  PodLookupOptions pod_lookup;
  // --impact, --k8s-version, --profile: the impact of this run, after the report
  ImpactOptions impact;
};

// `capprobe impact`: the impact of a report read from a file or stdin.
struct ImpactArgs {
  ImpactOptions options;
  Format format = Format::table;  // table, json or junit
  std::string report;             // a path, or "-" for stdin
};

// `capprobe sonobuoy`: the probe's selection and pod-spec flags (no format, no -o: it writes
// Sonobuoy's files), and where to.
struct SonobuoyArgs {
  ProbeArgs probe;
  std::optional<std::string> results_dir;  // --results-dir; nullopt: from the environment
};

// A command that parses its own flags (and its own --help): `capprobe agent` and
// `capprobe collector`, whose options live with their code (agent/daemon, collector/).
struct DelegatedArgs {
  std::string command;            // "agent", "collector"
  std::vector<std::string> args;  // everything after the command word
};

// A usage error: one line for stderr, "capprobe: ..." included; exit kExitUsage.
struct UsageError {
  std::string message;
};

using CommandLine = std::variant<UsageError, HelpArgs, VersionArgs, ListArgs, ProbeArgs,
                                 SonobuoyArgs, ImpactArgs, DelegatedArgs>;

// `args` excludes argv[0]. `catalog` is what --only/--skip ids are checked against.
CommandLine parse_command_line(const std::vector<std::string>& args,
                               const std::vector<probes::Probe>& catalog);

// Adds the comma-separated ids of an --only/--skip value to `ids`; an error text (for a usage
// error) when the value names none, else "". The agent's flags use it too.
std::string add_capability_ids(std::set<std::string>& ids, std::string_view flag,
                               const std::string& value);

std::string top_level_help();

}  // namespace capprobe::agent
