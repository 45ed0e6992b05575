// The command table and a small table-driven flag parser. Each command lists its flags once;
// the same rows drive parsing and the --help text.
#include "agent/cli.hpp"

#include <algorithm>
#include <span>
#include <string_view>

#include "agent/help_table.hpp"
#include "impact/catalog.hpp"

namespace capprobe::agent {
namespace {

std::string see_help(std::string_view command) {
  return command.empty() ? " (see capprobe --help)"
                         : " (see capprobe " + std::string(command) + " --help)";
}

UsageError usage(const std::string& what, std::string_view command) {
  return {"capprobe: " + what + see_help(command)};
}

// One flag of one command. `apply` returns "" or what is wrong with the value.
template <class Draft>
struct FlagSpec {
  std::string_view name;        // "--format"
  std::string_view alias;       // "-o", or empty
  std::string_view value_name;  // "FORMAT"; empty for a switch
  std::string help;  // owned: some are made from the one list they describe (format_names)
  std::string (*apply)(Draft&, const std::string& value);
};

template <class Draft>
std::string flags_help(const std::vector<FlagSpec<Draft>>& flags) {
  std::vector<std::pair<std::string, std::string_view>> rows;
  for (const auto& flag : flags) {
    std::string left;
    if (!flag.alias.empty()) left.append(flag.alias).append(", ");
    left.append(flag.name);
    if (!flag.value_name.empty()) left.append(" ").append(flag.value_name);
    rows.emplace_back(std::move(left), flag.help);
  }
  return flags_table(std::move(rows));
}

// Parses `args` against `flags` into `draft`. Accepts "--flag value", "--flag=value" and the
// alias forms; anything else is a usage error naming the offending word.
template <class Draft>
std::optional<UsageError> parse_flags(std::string_view command, std::span<const std::string> args,
                                      const std::vector<FlagSpec<Draft>>& flags, Draft& draft) {
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& word = args[i];
    if (word.size() < 2 || word[0] != '-')
      return usage("unexpected argument '" + word + "'", command);
    std::string name = word;
    std::optional<std::string> inline_value;
    if (const auto equals = word.find('=');
        word.rfind("--", 0) == 0 && equals != std::string::npos) {
      name = word.substr(0, equals);
      inline_value = word.substr(equals + 1);
    }
    const auto flag = std::find_if(flags.begin(), flags.end(), [&](const FlagSpec<Draft>& spec) {
      return spec.name == name || (!spec.alias.empty() && spec.alias == name);
    });
    if (flag == flags.end()) return usage("unknown flag '" + name + "'", command);
    std::string value;
    if (flag->value_name.empty()) {
      if (inline_value) return usage(std::string(flag->name) + " takes no value", command);
    } else if (inline_value) {
      value = *inline_value;
    } else if (i + 1 < args.size() && args[i + 1].rfind("--", 0) != 0) {
      value = args[++i];
    } else {
      return usage(name + " needs a value (" + std::string(flag->value_name) + ")", command);
    }
    if (const auto problem = flag->apply(draft, value); !problem.empty())
      return usage(problem, command);
  }
  return std::nullopt;
}

bool asks_for_help(std::span<const std::string> args) {
  return std::any_of(args.begin(), args.end(),
                     [](const std::string& word) { return word == "-h" || word == "--help"; });
}

// --- the impact's flags, shared by `probe --impact` and `impact` ---

// "1.30", "v1.30" or "1.30.2" -> "1.30" when this build maps it; else the error text.
std::string set_k8s_version(ImpactOptions& options, const std::string& value) {
  if (options.k8s_version) return "--k8s-version is given twice";
  std::string version = value;
  if (!version.empty() && (version[0] == 'v' || version[0] == 'V')) version.erase(0, 1);
  if (const auto first = version.find('.'); first != std::string::npos)
    if (const auto second = version.find('.', first + 1); second != std::string::npos)
      version.resize(second);
  if (impact::mapping_for(version) == nullptr) {
    std::string known;
    for (const auto& v : impact::supported_versions()) known += (known.empty() ? "" : ", ") + v;
    return "unknown Kubernetes version '" + value + "' (supported: " + known + ")";
  }
  options.k8s_version = version;
  return "";
}

std::string set_profile(ImpactOptions& options, const std::string& value) {
  if (options.profile) return "--profile is given twice";
  if (impact::profile_named(value) == nullptr)
    return "unknown profile '" + value + "' (expected " + impact::profile_names() + ")";
  options.profile = value;
  return "";
}

bool impact_format(Format format) {
  return format == Format::table || format == Format::json || format == Format::junit;
}

// --- capprobe probe ---

struct ProbeDraft {
  ProbeArgs args;
  std::optional<std::string> format_flag;  // the word that set the format, for conflicts
  std::optional<std::string> results_dir;  // capprobe sonobuoy's --results-dir
};

std::string set_format(ProbeDraft& draft, Format format, const std::string& flag_text) {
  if (draft.format_flag && draft.args.format != format)
    return *draft.format_flag + " and " + flag_text + " conflict";
  draft.args.format = format;
  draft.format_flag = flag_text;
  return "";
}

std::string set_once(std::optional<std::string>& slot, std::string_view flag,
                     const std::string& value) {
  if (slot) return std::string(flag) + " is given twice";
  if (value.empty()) return std::string(flag) + " needs a file name";
  slot = value;
  return "";
}

const std::vector<FlagSpec<ProbeDraft>>& probe_flags() {
  static const std::vector<FlagSpec<ProbeDraft>> flags{
      {"--format", "", "FORMAT", format_names(),
       [](ProbeDraft& draft, const std::string& value) -> std::string {
         const auto format = format_from_string(value);
         if (!format)
           return "unknown format '" + value + "' (expected " + format_names(false) + ")";
         return set_format(draft, *format, "--format " + value);
       }},
      {"--json", "", "", "the same as --format json",
       [](ProbeDraft& draft, const std::string&) {
         return set_format(draft, Format::json, "--json");
       }},
      {"--only", "", "ID,...", "run only these capabilities (ids from 'capprobe list')",
       [](ProbeDraft& draft, const std::string& value) {
         return add_capability_ids(draft.args.selection.only, "--only", value);
       }},
      {"--skip", "", "ID,...", "do not run these capabilities",
       [](ProbeDraft& draft, const std::string& value) {
         return add_capability_ids(draft.args.selection.skip, "--skip", value);
       }},
      {"--quick", "", "", "skip the deliberate CPU burn and memory allocation test",
       [](ProbeDraft& draft, const std::string&) -> std::string {
         draft.args.selection.quick = true;
         return "";
       }},
      {"--pod-spec", "", "FILE",
       "the pod spec this pod was created from (JSON: Pod, Deployment, DaemonSet,\n"
       "StatefulSet, Job, PodTemplate or a bare spec; '-' reads stdin), so that\n"
       "each result says what was requested and flags what was ignored",
       [](ProbeDraft& draft, const std::string& value) {
         return set_once(draft.args.pod_spec, "--pod-spec", value);
       }},
      {"--no-pod-lookup", "", "",
       "in a pod, do not GET the pod's own spec from the API server\n"
       "(without --pod-spec, that GET is what says what was requested)",
       [](ProbeDraft& draft, const std::string&) -> std::string {
         draft.args.pod_lookup.enabled = false;
         return "";
       }},
      {"--service-account-dir", "", "DIR",
       "the service account's token, ca.crt and namespace for that GET\n"
       "(default " +
           std::string(kDefaultServiceAccountDir) +
           ";\n"
           "HostProcess: under CONTAINER_SANDBOX_MOUNT_POINT first)",
       [](ProbeDraft& draft, const std::string& value) -> std::string {
         if (draft.args.pod_lookup.service_account_dir)
           return "--service-account-dir is given twice";
         if (value.empty()) return "--service-account-dir needs a directory";
         draft.args.pod_lookup.service_account_dir = value;
         return "";
       }},
      {"--container", "", "NAME",
       "the container of the pod spec this process runs in (default\n"
       "CAPPROBE_CONTAINER); without either, a pod of several containers\n"
       "leaves the container's requests unknown",
       [](ProbeDraft& draft, const std::string& value) -> std::string {
         if (draft.args.container) return "--container is given twice";
         if (value.empty()) return "--container needs a container name";
         draft.args.container = value;
         return "";
       }},
      {"--output", "-o", "FILE", "write the report to FILE (atomically) instead of stdout",
       [](ProbeDraft& draft, const std::string& value) {
         return set_once(draft.args.output, "-o", value);
       }},
      {"--impact", "", "",
       "after the report, the upstream e2e tests it predicts to fail or not to\n"
       "run, those it cannot tell about, and a --ginkgo.skip regex (formats\n"
       "table, json, junit; see capprobe impact --help)",
       [](ProbeDraft& draft, const std::string&) -> std::string {
         draft.args.impact.enabled = true;
         return "";
       }},
      {"--k8s-version", "", "X.Y",
       "with --impact: the Kubernetes version (default the newest mapped)",
       [](ProbeDraft& draft, const std::string& value) {
         return set_k8s_version(draft.args.impact, value);
       }},
      {"--profile", "", "NAME", "judge a conformance profile in the impact too",
       [](ProbeDraft& draft, const std::string& value) {
         return set_profile(draft.args.impact, value);
       }},
  };
  return flags;
}

std::string probe_help() {
  return "Usage: capprobe probe [--json | --format FORMAT] [--only ID,...] [--skip ID,...]\n"
         "                      [--quick] [--pod-spec FILE | --no-pod-lookup]\n"
         "                      [--service-account-dir DIR] [--container NAME] [-o FILE]\n"
         "                      [--impact [--k8s-version X.Y] [--profile NAME]]\n"
         "\n"
         "Runs the probes here and prints the capability matrix: what this node and runtime\n"
         "really support, found by trying it.\n"
         "\n"
         "In a pod (KUBERNETES_SERVICE_HOST and _PORT, POD_NAME and POD_NAMESPACE set, a\n"
         "service-account token mounted) and without --pod-spec, it reads the pod's own spec\n"
         "with one GET from the API server, through capprobe-deliver beside it; a failed\n"
         "lookup is said in the report and never fails the run.\n"
         "\n" +
         flags_help(probe_flags()) +
         "\n"
         "Environment:\n"
         "  NODE_NAME, POD_NAMESPACE, POD_NAME  the subject, from the downward API\n"
         "  KUBERNETES_SERVICE_HOST, _PORT      the API server of the own-pod GET\n"
         "  CAPPROBE_CONTAINER                  which container of the pod spec this is\n"
         "                                      (--container wins)\n"
         "  CAPPROBE_LOG                        log level on stderr (default warn; debug, info)\n"
         "  NO_COLOR                            no colour in the table even on a terminal\n"
         "\n"
         "Exit status: 0 the probes ran (whatever they found), 1 the run failed, 2 usage error.\n";
}

// The probe's flags and rules, for `capprobe probe` and `capprobe sonobuoy` (`command`).
std::variant<UsageError, ProbeDraft> parse_probe_draft(
    std::string_view command, std::span<const std::string> args,
    const std::vector<FlagSpec<ProbeDraft>>& flags, const std::vector<probes::Probe>& catalog) {
  ProbeDraft draft;
  if (auto error = parse_flags(command, args, flags, draft)) return *error;
  auto& selection = draft.args.selection;
  const std::pair<const std::set<std::string>*, const char*> id_flags[] = {
      {&selection.only, "--only"}, {&selection.skip, "--skip"}};
  for (const auto& [ids, flag] : id_flags) {
    Selection one;
    one.only = *ids;
    const auto unknown = unknown_ids(catalog, one);
    if (!unknown.empty())
      return UsageError{"capprobe: unknown capability id '" + unknown.front() + "' in " + flag +
                        " (see capprobe list)"};
  }
  for (const auto& id : selection.only)
    if (selection.skip.count(id))
      return usage("'" + id + "' is in both --only and --skip", command);
  if (draft.args.output && *draft.args.output == "-") draft.args.output.reset();
  const auto& impact = draft.args.impact;
  // capprobe sonobuoy always writes the impact; --k8s-version and --profile choose it.
  if (command == "probe" && !impact.enabled && (impact.k8s_version || impact.profile))
    return usage("--k8s-version and --profile need --impact", command);
  if (impact.enabled && !impact_format(draft.args.format))
    return usage("--impact works with the table, json and junit formats", command);
  return draft;
}

CommandLine parse_probe(std::span<const std::string> args,
                        const std::vector<probes::Probe>& catalog) {
  auto parsed = parse_probe_draft("probe", args, probe_flags(), catalog);
  if (auto* error = std::get_if<UsageError>(&parsed)) return *error;
  return std::get<ProbeDraft>(parsed).args;
}

// --- capprobe sonobuoy ---

// The probe's flags but those of the output (it writes Sonobuoy's files), and --results-dir.
const std::vector<FlagSpec<ProbeDraft>>& sonobuoy_flags() {
  static const std::vector<FlagSpec<ProbeDraft>> flags = [] {
    std::vector<FlagSpec<ProbeDraft>> table;
    for (const auto& flag : probe_flags())
      if (flag.name != "--format" && flag.name != "--json" && flag.name != "--output" &&
          flag.name != "--impact")
        table.push_back(flag);
    table.push_back({"--results-dir", "", "DIR",
                     "where Sonobuoy collects the results (default $SONOBUOY_RESULTS_DIR,\n"
                     "then $RESULTS_DIR, then /tmp/sonobuoy/results)",
                     [](ProbeDraft& draft, const std::string& value) -> std::string {
                       if (draft.results_dir) return "--results-dir is given twice";
                       if (value.empty()) return "--results-dir needs a directory";
                       draft.results_dir = value;
                       return "";
                     }});
    return table;
  }();
  return flags;
}

std::string sonobuoy_help() {
  return "Usage: capprobe sonobuoy [--only ID,...] [--skip ID,...] [--quick]\n"
         "                         [--pod-spec FILE | --no-pod-lookup]\n"
         "                         [--service-account-dir DIR] [--container NAME]\n"
         "                         [--results-dir DIR] [--k8s-version X.Y] [--profile NAME]\n"
         "\n"
         "capprobe as a Sonobuoy plugin (deploy/sonobuoy/): runs the probes once, as\n"
         "'capprobe probe' does, writes the results into DIR/capprobe/ (capprobe.yaml in\n"
         "Sonobuoy's manual format, junit.xml, report.json, impact.json; the YAML and the\n"
         "JUnit carry the conformance impact too), writes that directory's path\n"
         "into DIR/done for Sonobuoy's worker, then waits for SIGTERM or SIGINT and exits 0:\n"
         "a DaemonSet plugin's container must not exit.\n"
         "\n" +
         flags_help(sonobuoy_flags()) +
         "\n"
         "Environment:\n"
         "  SONOBUOY_RESULTS_DIR, RESULTS_DIR   the results directory, when no --results-dir\n"
         "  NODE_NAME, POD_NAMESPACE, POD_NAME  the subject, from the downward API\n"
         "  KUBERNETES_SERVICE_HOST, _PORT      the API server of the own-pod GET\n"
         "  CAPPROBE_CONTAINER                  which container of the pod spec this is\n"
         "\n"
         "Exit status: 0 stopped by a signal after writing the results, 1 the results could\n"
         "not be written, 2 usage error.\n";
}

CommandLine parse_sonobuoy(std::span<const std::string> args,
                           const std::vector<probes::Probe>& catalog) {
  auto parsed = parse_probe_draft("sonobuoy", args, sonobuoy_flags(), catalog);
  if (auto* error = std::get_if<UsageError>(&parsed)) return *error;
  auto& draft = std::get<ProbeDraft>(parsed);
  return SonobuoyArgs{std::move(draft.args), std::move(draft.results_dir)};
}

// --- capprobe impact ---

struct ImpactDraft {
  ImpactArgs args;
  bool format_given = false;
};

const std::vector<FlagSpec<ImpactDraft>>& impact_flags() {
  static const std::vector<FlagSpec<ImpactDraft>> flags{
      {"--k8s-version", "", "X.Y",
       "the Kubernetes version whose e2e tests to map (default the newest mapped;\n"
       "v1.30 and 1.30.2 mean 1.30)",
       [](ImpactDraft& draft, const std::string& value) {
         return set_k8s_version(draft.args.options, value);
       }},
      {"--profile", "", "NAME",
       "judge a conformance profile requirement by requirement: pass, fail or\n"
       "untested with the reason",
       [](ImpactDraft& draft, const std::string& value) {
         return set_profile(draft.args.options, value);
       }},
      {"--format", "", "FORMAT", "table (default), json or junit",
       [](ImpactDraft& draft, const std::string& value) -> std::string {
         const auto format = format_from_string(value);
         if (!format || !impact_format(*format))
           return "unknown format '" + value + "' (expected table, json or junit)";
         if (draft.format_given) return "--format is given twice";
         draft.args.format = *format;
         draft.format_given = true;
         return "";
       }},
  };
  return flags;
}

std::string impact_help() {
  std::string versions;
  for (const auto& v : impact::supported_versions()) versions += (versions.empty() ? "" : ", ") + v;
  return "Usage: capprobe impact [--k8s-version X.Y] [--profile NAME] [--format FORMAT]\n"
         "                       REPORT.json|-\n"
         "\n"
         "Reads a capprobe report (capprobe probe --json; '-' reads stdin) and lists the\n"
         "upstream Kubernetes e2e tests it predicts to fail or not to run here, each with\n"
         "the capability, the evidence, and a basis: measured (this report's evidence) or\n"
         "documented (a limitation documented for the report's isolation flavor, source\n"
         "named). Tests the report cannot tell about are listed as unknown, never as\n"
         "failing. A --ginkgo.skip regex of the predicted tests comes last.\n"
         "\n" +
         flags_help(impact_flags()) +
         "\n"
         "Kubernetes versions mapped: " +
         versions +
         ".\n"
         "Profiles: " +
         impact::profile_names() +
         ".\n"
         "\n"
         "Exit status: 0 the impact was printed (whatever it predicts), 1 it could not be\n"
         "written, 2 usage error or a report that cannot be read.\n";
}

CommandLine parse_impact(std::span<const std::string> args, const std::vector<probes::Probe>&) {
  // The one positional word is the report; the flags' values are not positional.
  std::vector<std::string> flag_words;
  std::vector<std::string> positional;
  const auto& flags = impact_flags();
  for (std::size_t i = 0; i < args.size(); ++i) {
    const auto& word = args[i];
    if (word == "-" || word.empty() || word[0] != '-') {
      positional.push_back(word);
      continue;
    }
    flag_words.push_back(word);
    const bool takes_value = std::any_of(flags.begin(), flags.end(), [&](const auto& flag) {
      return flag.name == word && !flag.value_name.empty();
    });
    if (takes_value && i + 1 < args.size()) flag_words.push_back(args[++i]);
  }
  ImpactDraft draft;
  if (auto error = parse_flags("impact", flag_words, flags, draft)) return *error;
  if (positional.size() != 1)
    return usage(positional.empty()
                     ? "impact needs a report: a file, or - for stdin"
                     : "impact reads one report, not " + std::to_string(positional.size()),
                 "impact");
  draft.args.report = positional.front();
  return draft.args;
}

// --- capprobe list ---

const std::vector<FlagSpec<ListArgs>>& list_flags() {
  static const std::vector<FlagSpec<ListArgs>> flags{
      {"--json", "", "", "a JSON array instead of a table",
       [](ListArgs& args, const std::string&) -> std::string {
         args.json = true;
         return "";
       }},
  };
  return flags;
}

std::string list_help() {
  return "Usage: capprobe list [--json]\n"
         "\n"
         "Prints the capability catalog: each id, its title, the pod-spec field it checks, the\n"
         "platforms it runs on and its cost (heavy probes run alone and --quick skips their\n"
         "tests).\n"
         "\n" +
         flags_help(list_flags());
}

CommandLine parse_list(std::span<const std::string> args, const std::vector<probes::Probe>&) {
  ListArgs draft;
  if (auto error = parse_flags("list", args, list_flags(), draft)) return *error;
  return draft;
}

// --- capprobe version ---

std::string version_help() {
  return "Usage: capprobe version\n\nPrints capprobe's version.\n";
}

CommandLine parse_version(std::span<const std::string> args, const std::vector<probes::Probe>&) {
  VersionArgs draft;
  if (auto error = parse_flags("version", args, std::vector<FlagSpec<VersionArgs>>{}, draft))
    return *error;
  return draft;
}

// --- the command table ---

struct CommandSpec {
  std::string_view name;
  std::string_view summary;  // one line for the top-level help
  std::string (*help)();     // null for a delegated command: it prints its own help
  CommandLine (*parse)(std::span<const std::string>, const std::vector<probes::Probe>&);
};

CommandLine delegate(std::string_view name, std::span<const std::string> args) {
  return DelegatedArgs{std::string(name), std::vector<std::string>(args.begin(), args.end())};
}
CommandLine parse_agent(std::span<const std::string> args, const std::vector<probes::Probe>&) {
  return delegate("agent", args);
}
CommandLine parse_collector(std::span<const std::string> args, const std::vector<probes::Probe>&) {
  return delegate("collector", args);
}

const std::vector<CommandSpec>& commands() {
  static const std::vector<CommandSpec> table{
      {"probe", "run the probes and print the capability matrix", probe_help, parse_probe},
      {"list", "print the capability catalog (ids, titles, pod-spec fields)", list_help,
       parse_list},
      {"agent", "probe periodically and report to a collector (spool, metrics, NFD file)", nullptr,
       parse_agent},
      {"sonobuoy", "run the probes as a Sonobuoy plugin (results, done file, wait)", sonobuoy_help,
       parse_sonobuoy},
      {"impact", "the upstream e2e tests a report predicts to fail, and profile verdicts",
       impact_help, parse_impact},
      {"collector", "receive reports from agents and serve the fleet matrix", nullptr,
       parse_collector},
      {"version", "print the version", version_help, parse_version},
  };
  return table;
}

const CommandSpec* find_command(std::string_view name) {
  for (const auto& command : commands())
    if (command.name == name) return &command;
  return nullptr;
}

}  // namespace

std::string add_capability_ids(std::set<std::string>& ids, std::string_view flag,
                               const std::string& value) {
  std::size_t added = 0;
  std::size_t start = 0;
  while (start <= value.size()) {
    auto end = value.find(',', start);
    if (end == std::string::npos) end = value.size();
    auto id = value.substr(start, end - start);
    id.erase(0, id.find_first_not_of(' '));
    id.erase(id.find_last_not_of(' ') + 1);
    if (!id.empty()) {
      ids.insert(id);
      ++added;
    }
    start = end + 1;
  }
  if (added == 0) return std::string(flag) + " needs at least one capability id";
  return "";
}

std::string top_level_help() {
  std::string text =
      "capprobe: finds out empirically what this node and runtime support (symlinks,\n"
      "hostPath, host namespaces, CPU and memory limits, isolation...) and reports a\n"
      "capability matrix.\n"
      "\n"
      "Usage: capprobe COMMAND [flags]\n"
      "\n"
      "Commands:\n";
  std::size_t width = 0;
  for (const auto& command : commands()) width = std::max(width, command.name.size());
  for (const auto& command : commands())
    text += "  " + std::string(command.name) + std::string(width - command.name.size() + 2, ' ') +
            std::string(command.summary) + "\n";
  text +=
      "\n"
      "Run 'capprobe COMMAND --help' for a command's flags.\n"
      "Exit status: 0 the probes ran (whatever they found), 1 the run failed, 2 usage error.\n";
  return text;
}

CommandLine parse_command_line(const std::vector<std::string>& args,
                               const std::vector<probes::Probe>& catalog) {
  if (args.empty()) return usage("missing command", "");
  const std::string& first = args.front();
  if (first == "-h" || first == "--help") return HelpArgs{top_level_help()};
  if (first == "--version") return VersionArgs{};
  const std::span<const std::string> rest(args.begin() + 1, args.end());
  if (first == "help") {
    if (rest.empty()) return HelpArgs{top_level_help()};
    const auto* command = find_command(rest.front());
    if (command == nullptr || rest.size() > 1)
      return usage("unknown command '" + rest.back() + "'", "");
    if (command->help == nullptr)
      return command->parse(std::vector<std::string>{"--help"}, catalog);
    return HelpArgs{command->help()};
  }
  if (!first.empty() && first[0] == '-') return usage("unknown flag '" + first + "'", "");
  const auto* command = find_command(first);
  if (command == nullptr) return usage("unknown command '" + first + "'", "");
  if (command->help != nullptr && asks_for_help(rest)) return HelpArgs{command->help()};
  return command->parse(rest, catalog);
}

}  // namespace capprobe::agent
