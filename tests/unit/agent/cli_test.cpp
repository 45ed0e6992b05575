// The command line (a pure parse, table-driven), the catalog listing, the user's files, and
// the probe command end to end over the fake platform with stand-in probes.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "agent/catalog.hpp"
#include "agent/cli.hpp"
#include "agent/commands.hpp"
#include "agent/report.hpp"
#include "agent/user_files.hpp"
#include "platform/fake/fake_platform.hpp"

using namespace capprobe;
using agent::CommandLine;
using agent::Format;

namespace {

probes::Probe stand_in(const std::string& id, probes::Cost cost = probes::Cost::light) {
  probes::Probe probe;
  probe.info.id = id;
  probe.info.title = "Stand-in for " + id;
  probe.info.pod_spec_field = id == "host.pid" ? "hostPID" : "";
  probe.info.platforms = {"linux"};
  probe.info.cost = cost;
  probe.info.timeout = std::chrono::milliseconds(1000);
  probe.run = [id](probes::ProbeContext& context) {
    probes::CapabilityResult result;
    result.id = id;
    result.requested = id == "host.pid" ? context.requests.host_pid : std::nullopt;
    result.status =
        result.requested.value_or(false) ? probes::Status::unsupported : probes::Status::supported;
    result.observed = "isolated";
    result.summary = "stand-in result";
    return result;
  };
  return probe;
}

const std::vector<probes::Probe>& catalog() {
  static const std::vector<probes::Probe> probes{
      stand_in("fs.symlink"), stand_in("host.pid"),
      stand_in("resources.cpu_limit", probes::Cost::heavy)};
  return probes;
}

CommandLine parse(const std::vector<std::string>& args) {
  return agent::parse_command_line(args, catalog());
}

agent::ProbeArgs probe_args(const std::vector<std::string>& args) {
  const auto parsed = parse(args);
  if (const auto* error = std::get_if<agent::UsageError>(&parsed)) FAIL(error->message);
  REQUIRE(std::holds_alternative<agent::ProbeArgs>(parsed));
  return std::get<agent::ProbeArgs>(parsed);
}

// A private directory under the real temp dir, removed at the end of the test.
struct TempDir {
  std::filesystem::path path;
  TempDir() {
    path = std::filesystem::temp_directory_path() /
           ("capprobe-cli-test-" + std::to_string(std::random_device{}()));
    std::filesystem::create_directories(path);
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
  std::size_t entries() const {
    return static_cast<std::size_t>(std::distance(std::filesystem::directory_iterator(path),
                                                  std::filesystem::directory_iterator()));
  }
};

}  // namespace

TEST_CASE("probe flags parse into ProbeArgs", "[cli]") {
  auto args = probe_args({"probe"});
  CHECK(args.format == Format::table);
  CHECK(args.selection.only.empty());
  CHECK(args.selection.skip.empty());
  CHECK_FALSE(args.selection.quick);
  CHECK_FALSE(args.pod_spec);
  CHECK_FALSE(args.output);

  CHECK(probe_args({"probe", "--json"}).format == Format::json);
  CHECK(probe_args({"probe", "--format", "junit"}).format == Format::junit);
  CHECK(probe_args({"probe", "--format=sonobuoy"}).format == Format::sonobuoy);
  CHECK(probe_args({"probe", "--format", "prometheus"}).format == Format::prometheus);
  CHECK(probe_args({"probe", "--format", "nfd"}).format == Format::nfd);
  CHECK(probe_args({"probe", "--format", "table"}).format == Format::table);
  CHECK(probe_args({"probe", "--json", "--format", "json"}).format == Format::json);

  args = probe_args({"probe", "--only", "host.pid,fs.symlink"});
  CHECK(args.selection.only == std::set<std::string>{"host.pid", "fs.symlink"});
  args = probe_args({"probe", "--only", "host.pid", "--only=fs.symlink, "});
  CHECK(args.selection.only == std::set<std::string>{"host.pid", "fs.symlink"});
  args = probe_args({"probe", "--skip", "resources.cpu_limit", "--quick"});
  CHECK(args.selection.skip == std::set<std::string>{"resources.cpu_limit"});
  CHECK(args.selection.quick);

  args = probe_args({"probe", "--pod-spec", "pod.json", "-o", "out.json"});
  CHECK(args.pod_spec == "pod.json");
  CHECK(args.output == "out.json");
  CHECK(probe_args({"probe", "--output=r.xml"}).output == "r.xml");
  CHECK_FALSE(probe_args({"probe", "-o", "-"}).output);  // "-" is stdout
  CHECK(probe_args({"probe", "--pod-spec", "-"}).pod_spec == "-");
  CHECK_FALSE(args.container);
  CHECK(probe_args({"probe", "--container", "app"}).container == "app");
  CHECK(probe_args({"probe", "--container=probe"}).container == "probe");
}

TEST_CASE("list, version and help", "[cli]") {
  CHECK_FALSE(std::get<agent::ListArgs>(parse({"list"})).json);
  CHECK(std::get<agent::ListArgs>(parse({"list", "--json"})).json);
  CHECK(std::holds_alternative<agent::VersionArgs>(parse({"version"})));
  CHECK(std::holds_alternative<agent::VersionArgs>(parse({"--version"})));

  struct Case {
    std::vector<std::string> args;
    const char* help_mentions;
  };
  const Case cases[] = {
      {{"--help"}, "Commands:"},
      {{"-h"}, "Commands:"},
      {{"help"}, "Commands:"},
      {{"help", "probe"}, "--pod-spec FILE"},
      {{"probe", "--help"}, "--pod-spec FILE"},
      // Made from the one list of formats (a help text that outlives the string it was made of
      // once printed garbage here).
      {{"probe", "--help"}, "table (default), json, junit, sonobuoy, prometheus or nfd"},
      {{"probe", "-h"}, "-o, --output FILE"},
      {{"probe", "-h"}, "--container NAME"},
      {{"probe", "-h"}, "CAPPROBE_CONTAINER"},
      {{"probe", "--bogus", "--help"}, "--only ID,..."},  // help wins over a wrong flag
      {{"list", "--help"}, "Usage: capprobe list"},
      {{"version", "-h"}, "Usage: capprobe version"},
  };
  for (const auto& c : cases) {
    INFO(c.args.front());
    const auto parsed = parse(c.args);
    REQUIRE(std::holds_alternative<agent::HelpArgs>(parsed));
    CHECK_THAT(std::get<agent::HelpArgs>(parsed).text, Catch::Contains(c.help_mentions));
  }
  // CONTAINER_NAME is not read any more: the help must not offer it.
  CHECK_THAT(std::get<agent::HelpArgs>(parse({"probe", "--help"})).text,
             !Catch::Contains("CONTAINER_NAME"));
  // Every command in the table shows up in the top-level help.
  for (const char* command : {"probe", "list", "agent", "collector", "version"})
    CHECK_THAT(agent::top_level_help(), Catch::Contains(std::string("  ") + command));
}

TEST_CASE("agent and collector get every word after their name, their own --help included",
          "[cli]") {
  struct Case {
    std::vector<std::string> args;
    const char* command;
    std::vector<std::string> handed_on;
  };
  const Case cases[] = {
      {{"agent", "--collector", "http://127.0.0.1:1", "--once"},
       "agent",
       {"--collector", "http://127.0.0.1:1", "--once"}},
      {{"collector", "--listen", "127.0.0.1:0"}, "collector", {"--listen", "127.0.0.1:0"}},
      {{"agent", "--help"}, "agent", {"--help"}},
      {{"help", "collector"}, "collector", {"--help"}},
      {{"collector"}, "collector", {}},
  };
  for (const auto& c : cases) {
    INFO(c.args.front() << " with " << c.args.size() << " words");
    const auto parsed = parse(c.args);
    REQUIRE(std::holds_alternative<agent::DelegatedArgs>(parsed));
    CHECK(std::get<agent::DelegatedArgs>(parsed).command == c.command);
    CHECK(std::get<agent::DelegatedArgs>(parsed).args == c.handed_on);
  }
}

TEST_CASE("every usage error is one line on stderr and exit 2", "[cli]") {
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const Case cases[] = {
      {{}, "capprobe: missing command (see capprobe --help)"},
      {{"probes"}, "capprobe: unknown command 'probes' (see capprobe --help)"},
      {{"--foo"}, "capprobe: unknown flag '--foo' (see capprobe --help)"},
      {{"help", "nope"}, "capprobe: unknown command 'nope' (see capprobe --help)"},
      {{"probe", "--foo"}, "capprobe: unknown flag '--foo' (see capprobe probe --help)"},
      {{"probe", "-x"}, "capprobe: unknown flag '-x' (see capprobe probe --help)"},
      {{"probe", "--format"},
       "capprobe: --format needs a value (FORMAT) (see capprobe probe --help)"},
      {{"probe", "--format", "--json"},
       "capprobe: --format needs a value (FORMAT) (see capprobe probe --help)"},
      {{"probe", "--format", "xml"},
       "capprobe: unknown format 'xml' (expected table, json, junit, sonobuoy, prometheus or nfd) "
       "(see capprobe probe --help)"},
      {{"probe", "--format="},
       "capprobe: unknown format '' (expected table, json, junit, "
       "sonobuoy, prometheus or nfd) (see capprobe probe --help)"},
      {{"probe", "--json", "--format", "junit"},
       "capprobe: --json and --format junit conflict (see capprobe probe --help)"},
      {{"probe", "--only", "nope"},
       "capprobe: unknown capability id 'nope' in --only (see capprobe list)"},
      {{"probe", "--skip", "host.pid,bogus"},
       "capprobe: unknown capability id 'bogus' in --skip (see capprobe list)"},
      {{"probe", "--only", ","},
       "capprobe: --only needs at least one capability id (see capprobe probe --help)"},
      {{"probe", "--only", "host.pid", "--skip", "host.pid"},
       "capprobe: 'host.pid' is in both --only and --skip (see capprobe probe --help)"},
      {{"probe", "--quick=yes"}, "capprobe: --quick takes no value (see capprobe probe --help)"},
      {{"probe", "extra"}, "capprobe: unexpected argument 'extra' (see capprobe probe --help)"},
      {{"probe", "-o", "a", "-o", "b"}, "capprobe: -o is given twice (see capprobe probe --help)"},
      {{"probe", "--pod-spec="},
       "capprobe: --pod-spec needs a file name (see capprobe probe --help)"},
      {{"probe", "-o"}, "capprobe: -o needs a value (FILE) (see capprobe probe --help)"},
      {{"probe", "--output"},
       "capprobe: --output needs a value (FILE) (see capprobe probe --help)"},
      {{"probe", "-"}, "capprobe: unexpected argument '-' (see capprobe probe --help)"},
      {{"probe", "--container", "a", "--container", "b"},
       "capprobe: --container is given twice (see capprobe probe --help)"},
      {{"probe", "--container="},
       "capprobe: --container needs a container name (see capprobe probe --help)"},
      {{"list", "--format", "json"},
       "capprobe: unknown flag '--format' (see capprobe list --help)"},
      {{"version", "now"}, "capprobe: unexpected argument 'now' (see capprobe version --help)"},
  };
  for (const auto& c : cases) {
    std::string joined;
    for (const auto& arg : c.args) joined += arg + " ";
    INFO(joined);
    const auto parsed = parse(c.args);
    REQUIRE(std::holds_alternative<agent::UsageError>(parsed));
    const auto& message = std::get<agent::UsageError>(parsed).message;
    CHECK(message == c.message);
    CHECK(message.find('\n') == std::string::npos);
  }
}

TEST_CASE("the catalog lists every probe as a table and as JSON", "[cli][list]") {
  const auto table = agent::render_catalog_table(catalog());
  CHECK_THAT(table, Catch::StartsWith("ID  "));
  CHECK_THAT(table, Catch::Contains("host.pid") && Catch::Contains("pod spec: hostPID") &&
                        Catch::Contains("heavy") && Catch::Contains("linux") &&
                        Catch::Contains("pod spec: -"));
  // Aligned: titles and pod-spec fields start in one column; every line fits 100 columns.
  std::istringstream lines(table);
  std::string line;
  std::set<std::size_t> title_columns;
  std::size_t count = 0;
  while (std::getline(lines, line)) {
    ++count;
    CHECK(line.size() <= 100);
    for (const char* start : {"TITLE", "Stand-in", "pod spec:"})
      if (line.find(start) != std::string::npos) title_columns.insert(line.find(start));
  }
  CHECK(title_columns.size() == 1);
  CHECK(count == 1 + 2 * catalog().size());

  // A long field list wraps after a comma, aligned under the first item.
  auto wordy = stand_in("security.confinement");
  wordy.info.pod_spec_field =
      "securityContext.seccompProfile, securityContext.appArmorProfile, "
      "securityContext.seLinuxOptions";
  const auto wrapped = agent::render_catalog_table({wordy});
  CHECK_THAT(wrapped, Catch::Contains("pod spec: securityContext.seccompProfile,\n") &&
                          Catch::Contains("          securityContext.appArmorProfile,\n"));
  std::istringstream wrapped_lines(wrapped);
  while (std::getline(wrapped_lines, line)) CHECK(line.size() <= 100);

  const auto json = agent::catalog_json(catalog());
  REQUIRE(json.size() == 3);
  CHECK(json[1]["id"] == "host.pid");
  CHECK(json[1]["pod_spec_field"] == "hostPID");
  CHECK(json[1]["platforms"] == nlohmann::json::array({"linux"}));
  CHECK(json[2]["cost"] == "heavy");
  CHECK(json[0]["title"] == "Stand-in for fs.symlink");
}

TEST_CASE("the report file is written atomically", "[cli][files]") {
  TempDir dir;
  const auto target = (dir.path / "report.json").string();
  REQUIRE(agent::write_file_atomically(target, "first", ".capprobe-1-abcdef-output").empty());
  REQUIRE(agent::write_file_atomically(target, "second", ".capprobe-1-abcdef-output").empty());
  std::ifstream in(target);
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(content == "second");
  CHECK(dir.entries() == 1);  // no temp file left

  // A missing directory fails without leaving anything.
  const auto failure = agent::write_file_atomically((dir.path / "no/such/x").string(), "x",
                                                    ".capprobe-1-abcdef-output");
  CHECK_THAT(failure, Catch::Contains("No such file or directory"));
  // A directory in the way: the rename fails and the temp file is removed.
  std::filesystem::create_directory(dir.path / "taken");
  std::filesystem::create_directory(dir.path / "taken" / "inside");
  CHECK_FALSE(
      agent::write_file_atomically((dir.path / "taken").string(), "x", ".capprobe-1-abcdef-output")
          .empty());
  CHECK(dir.entries() == 2);  // report.json and taken/
}

TEST_CASE("the user's input file is read with a bound and a reason", "[cli][files]") {
  TempDir dir;
  std::istringstream no_input;
  const auto missing = agent::read_user_file((dir.path / "absent.json").string(), no_input, 100);
  CHECK_FALSE(missing.content);
  CHECK(missing.error == "No such file or directory");
  CHECK(agent::read_user_file(dir.path.string(), no_input, 100).error == "it is a directory");

  std::ofstream((dir.path / "big").string()) << std::string(200, 'x');
  CHECK_THAT(agent::read_user_file((dir.path / "big").string(), no_input, 100).error,
             Catch::Contains("larger than 100 bytes"));
  CHECK(agent::read_user_file((dir.path / "big").string(), no_input, 200).content ==
        std::string(200, 'x'));

  std::istringstream piped("{\"kind\":\"Pod\"}");
  CHECK(agent::read_user_file("-", piped, 100).content == "{\"kind\":\"Pod\"}");
}

TEST_CASE("scratch names follow the sweeper's convention", "[cli]") {
  const auto name = agent::new_scratch_name(812);
  CHECK_THAT(name, Catch::Matches(R"(\.capprobe-812-[0-9a-f]{6})"));
  CHECK(name != agent::new_scratch_name(812));  // 1 in 16.7 million to collide
}

namespace {

struct Run {
  int code = -1;
  std::string out, err;
};

// The PodGet of a run that must not look its pod up.
agent::PodGetAnswer no_lookup(const agent::PodLookupPlan& plan) {
  FAIL("an own-pod GET was attempted: " << plan.url);
  return {};
}

Run run_probe(const std::vector<std::string>& args, platform::FakePlatform& os,
              const std::string& stdin_text = "", bool terminal = false,
              const agent::PodGet& get_pod = no_lookup) {
  std::ostringstream out, err;
  std::istringstream in(stdin_text);
  agent::Console console{out, err, in, terminal};
  auto full = args;
  full.insert(full.begin(), "probe");
  const auto parsed = agent::parse_command_line(full, catalog());
  REQUIRE(std::holds_alternative<agent::ProbeArgs>(parsed));
  Run run;
  run.code =
      agent::run_probe_command(std::get<agent::ProbeArgs>(parsed), os, catalog(), console, get_pod);
  run.out = out.str();
  run.err = err.str();
  return run;
}

platform::FakePlatform node() {
  platform::FakePlatform os;
  os.kernel = platform::KernelInfo{"Linux", "worker-3", "6.1.0-18-amd64", "#1 SMP", "x86_64"};
  os.file("/etc/os-release", "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n");
  return os;
}

}  // namespace

TEST_CASE("capprobe probe writes a JSON report whose results carry the pod spec's requests",
          "[cli][command]") {
  auto os = node();
  const auto run = run_probe({"--json", "--pod-spec", "-", "--quick"}, os,
                             R"({"kind":"Pod","metadata":{"name":"p","namespace":"ns"},)"
                             R"("spec":{"hostPID":true,"containers":[{"name":"c"}]}})");
  INFO(run.err);
  REQUIRE(run.code == agent::kExitOk);
  const auto report = agent::report_from_json(nlohmann::json::parse(run.out));
  CHECK(report.agent_mode == "oneshot");
  CHECK(report.agent_version == CAPPROBE_VERSION);
  CHECK(report.subject.node == "worker-3");
  CHECK(report.subject.pod == "ns/p");
  CHECK(report.subject.container == "c");
  CHECK(report.subject.arch == "amd64");
  CHECK_THAT(report.started_at, Catch::Matches(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)"));
  REQUIRE(report.results.size() == 3);
  CHECK(report.results[1].id == "host.pid");
  CHECK(report.results[1].requested == true);
  CHECK(report.results[1].requested_but_ignored());
}

TEST_CASE("capprobe probe: the table, colour only on a terminal without NO_COLOR",
          "[cli][command]") {
  auto os = node();
  auto run = run_probe({"--only", "host.pid"}, os, "", true);
  REQUIRE(run.code == agent::kExitOk);
  CHECK_THAT(run.out, Catch::Contains("host.pid") && Catch::Contains("\033["));
  CHECK_THAT(run.out, !Catch::Contains("fs.symlink"));

  run = run_probe({}, os, "", false);
  CHECK_THAT(run.out, !Catch::Contains("\033["));
  os.environment["NO_COLOR"] = "1";
  run = run_probe({}, os, "", true);
  CHECK_THAT(run.out, !Catch::Contains("\033["));
}

TEST_CASE("capprobe probe: a bad --pod-spec is exit 2, an unwritable -o is exit 1",
          "[cli][command]") {
  auto os = node();
  os.file("/tmp/.capprobe-999-aaaaaa-symlink", "a dead run's file");
  TempDir dir;
  struct Case {
    std::vector<std::string> args;
    std::string stdin_text;
    int code;
    std::string message;
  };
  const Case cases[] = {
      {{"--pod-spec", (dir.path / "absent.json").string()},
       "",
       agent::kExitUsage,
       "capprobe: cannot read --pod-spec " + (dir.path / "absent.json").string() +
           ": No such file or directory"},
      {{"--pod-spec", "-"}, "{oops", agent::kExitUsage, "capprobe: --pod-spec -: not valid JSON"},
      {{"--pod-spec", "-"},
       R"({"kind":"Service","spec":{}})",
       agent::kExitUsage,
       "capprobe: --pod-spec -: no pod spec found in a Service"},
      {{"-o", (dir.path / "missing" / "r.json").string()},
       "",
       agent::kExitFailed,
       "capprobe: cannot write the report to " + (dir.path / "missing" / "r.json").string()},
  };
  for (const auto& c : cases) {
    INFO(c.args.back());
    const auto run = run_probe(c.args, os, c.stdin_text);
    CHECK(run.code == c.code);
    CHECK(run.out.empty());
    CHECK_THAT(run.err, Catch::StartsWith(c.message));
    CHECK(std::count(run.err.begin(), run.err.end(), '\n') == 1);
    // The user's input is checked before anything on the system is touched (the sweep).
    if (c.code == agent::kExitUsage) CHECK(os.exists("/tmp/.capprobe-999-aaaaaa-symlink"));
  }
  CHECK_FALSE(os.exists("/tmp/.capprobe-999-aaaaaa-symlink"));  // the -o run did sweep
}

TEST_CASE("capprobe probe -o writes every format to the file", "[cli][command]") {
  auto os = node();
  TempDir dir;
  const auto target = (dir.path / "report.json").string();
  const auto run = run_probe({"--format", "json", "-o", target}, os);
  REQUIRE(run.code == agent::kExitOk);
  CHECK(run.out.empty());
  std::ifstream in(target);
  const auto report = agent::report_from_json(nlohmann::json::parse(in));
  CHECK(report.results.size() == 3);
  CHECK(dir.entries() == 1);
}

namespace {

// Two containers, and only "probe" asks for hostPID-independent things: a read-only root.
const char* const kTwoContainers =
    R"({"kind":"Pod","metadata":{"name":"p","namespace":"ns"},"spec":{"hostPID":true,)"
    R"("containers":[{"name":"app"},{"name":"probe",)"
    R"("securityContext":{"readOnlyRootFilesystem":true}}]}})";

agent::Report report_of(const Run& run) {
  INFO(run.err);
  REQUIRE(run.code == agent::kExitOk);
  return agent::report_from_json(nlohmann::json::parse(run.out));
}

}  // namespace

TEST_CASE("capprobe probe: two containers and no name, the report says the container is unknown",
          "[cli][command]") {
  auto os = node();
  os.environment["CONTAINER_NAME"] = "app";  // another tool's variable: not a hint
  const auto report =
      report_of(run_probe({"--json", "--pod-spec", "-", "--quick"}, os, kTwoContainers));
  CHECK(report.pod_spec.source == "file");
  CHECK(report.pod_spec.detail ==
        "stdin; container unknown: the pod has 2 containers (app, probe) and neither "
        "--container nor CAPPROBE_CONTAINER names one");
  CHECK_FALSE(report.subject.container.has_value());
  CHECK(report.subject.pod == "ns/p");
  // hostPID is the pod's: it still applies.
  CHECK(report.results[1].id == "host.pid");
  CHECK(report.results[1].requested == true);

  // The table shows the same note under the subject.
  const auto table = run_probe({"--pod-spec", "-", "--quick"}, os, kTwoContainers);
  REQUIRE(table.code == agent::kExitOk);
  CHECK_THAT(table.out, Catch::Contains("pod spec") && Catch::Contains("container unknown") &&
                            Catch::Contains("2 containers (app, probe)"));
}

TEST_CASE("capprobe probe: --container or CAPPROBE_CONTAINER names it, the flag wins",
          "[cli][command]") {
  auto os = node();
  auto report = report_of(
      run_probe({"--json", "--pod-spec", "-", "--container", "probe"}, os, kTwoContainers));
  CHECK(report.subject.container == "probe");
  CHECK(report.pod_spec.detail == "stdin; container probe, as named");

  os.environment["CAPPROBE_CONTAINER"] = "app";
  report = report_of(run_probe({"--json", "--pod-spec", "-"}, os, kTwoContainers));
  CHECK(report.subject.container == "app");
  report = report_of(
      run_probe({"--json", "--pod-spec", "-", "--container", "probe"}, os, kTwoContainers));
  CHECK(report.subject.container == "probe");

  // Without a pod spec the name is still the subject's.
  report = report_of(run_probe({"--json"}, os));
  CHECK(report.subject.container == "app");
  CHECK(report.pod_spec.source == "none");

  // A name the pod spec does not have is the user's mistake: exit 2, with the names there are.
  const auto wrong =
      run_probe({"--json", "--pod-spec", "-", "--container", "nope"}, os, kTwoContainers);
  CHECK(wrong.code == agent::kExitUsage);
  CHECK(wrong.out.empty());
  CHECK_THAT(wrong.err, Catch::StartsWith("capprobe: --pod-spec -: ") &&
                            Catch::Contains("no container named 'nope'") &&
                            Catch::Contains("app, probe"));
}

TEST_CASE("capprobe probe: CONTAINER_NAME alone names nothing", "[cli][command]") {
  auto os = node();
  os.environment["CONTAINER_NAME"] = "unrelated";
  const auto report = report_of(run_probe({"--json"}, os));
  CHECK_FALSE(report.subject.container.has_value());
  CHECK(report.pod_spec.source == "none");
  // ... and does not stop a one-container pod spec from being read.
  const auto single = report_of(run_probe(
      {"--json", "--pod-spec", "-"}, os, R"({"kind":"Pod","spec":{"containers":[{"name":"c"}]}})"));
  CHECK(single.subject.container == "c");
  CHECK(single.pod_spec.detail == "stdin; container c, the pod's only one");
}

TEST_CASE("capprobe probe: without a name, the cgroup may tell the container by its ID",
          "[cli][command]") {
  auto os = node();
  const std::string id = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
  os.file("/proc/self/cgroup",
          "0::/kubepods.slice/kubepods-pod1.slice/cri-containerd-" + id + ".scope\n");
  const std::string pod =
      R"({"kind":"Pod","spec":{"containers":[{"name":"app"},{"name":"probe"}]},)"
      R"("status":{"containerStatuses":[{"name":"probe","containerID":"containerd://)" +
      id + R"("}]}})";
  const auto report = report_of(run_probe({"--json", "--pod-spec", "-"}, os, pod));
  CHECK(report.subject.container == "probe");
  CHECK(report.pod_spec.detail ==
        "stdin; container probe, by its containerID in this process's cgroup or mounts");
}

namespace {

// node() in a pod: the service variables, the downward API and the token volume.
platform::FakePlatform pod_node() {
  auto os = node();
  os.environment = {{"KUBERNETES_SERVICE_HOST", "10.96.0.1"},
                    {"KUBERNETES_SERVICE_PORT", "443"},
                    {"POD_NAME", "p"},
                    {"POD_NAMESPACE", "ns"}};
  const std::string sa = agent::kDefaultServiceAccountDir;
  os.file(sa + "/token", "a-token").file(sa + "/ca.crt", "a-ca");
  return os;
}

}  // namespace

TEST_CASE("capprobe probe in a pod reads its own spec from the API server, unless told not to",
          "[cli][command][pod_lookup]") {
  auto os = pod_node();
  std::vector<std::string> asked;
  const agent::PodGet api = [&](const agent::PodLookupPlan& plan) {
    asked.push_back(plan.url);
    return agent::PodGetAnswer{agent::PodGetResult::ok, 200, 1, "",
                               R"({"kind":"Pod","metadata":{"name":"p","namespace":"ns"},)"
                               R"("spec":{"hostPID":true,"containers":[{"name":"c"}]}})"};
  };
  auto run = run_probe({"--json", "--quick"}, os, "", false, api);
  INFO(run.err);
  REQUIRE(run.code == agent::kExitOk);
  CHECK(asked == std::vector<std::string>{"https://10.96.0.1:443/api/v1/namespaces/ns/pods/p"});
  auto report = agent::report_from_json(nlohmann::json::parse(run.out));
  CHECK(report.pod_spec.source == "api");
  CHECK(report.pod_spec.detail == "GET ns/p; container c, the pod's only one");
  CHECK(report.subject.container == "c");
  CHECK(report.results[1].id == "host.pid");
  CHECK(report.results[1].requested_but_ignored());

  // --pod-spec wins: no request.
  run = run_probe({"--json", "--quick", "--pod-spec", "-"}, os,
                  R"({"kind":"Pod","spec":{"containers":[{"name":"c"}]}})", false, no_lookup);
  REQUIRE(run.code == agent::kExitOk);
  CHECK(agent::report_from_json(nlohmann::json::parse(run.out)).pod_spec.source == "file");

  // --no-pod-lookup: no request, and the report says so.
  run = run_probe({"--json", "--quick", "--no-pod-lookup"}, os, "", false, no_lookup);
  REQUIRE(run.code == agent::kExitOk);
  report = agent::report_from_json(nlohmann::json::parse(run.out));
  CHECK(report.pod_spec.source == "none");
  CHECK(report.pod_spec.detail ==
        "no --pod-spec given; the own-pod lookup is off (--no-pod-lookup)");
  CHECK_FALSE(report.results[1].requested.has_value());

  // --service-account-dir: the token looked for there.
  run = run_probe({"--json", "--quick", "--service-account-dir", "/nowhere"}, os, "", false,
                  no_lookup);
  REQUIRE(run.code == agent::kExitOk);
  CHECK_THAT(agent::report_from_json(nlohmann::json::parse(run.out)).pod_spec.detail,
             Catch::Contains("no service-account token at /nowhere/token"));
}

TEST_CASE("capprobe probe: a failed own-pod GET never fails the run",
          "[cli][command][pod_lookup]") {
  auto os = pod_node();
  const agent::PodGet refused = [](const agent::PodLookupPlan&) {
    return agent::PodGetAnswer{agent::PodGetResult::http_error, 403, 1, "forbidden", ""};
  };
  const auto run = run_probe({"--json", "--quick"}, os, "", false, refused);
  REQUIRE(run.code == agent::kExitOk);
  const auto report = agent::report_from_json(nlohmann::json::parse(run.out));
  CHECK(report.pod_spec.source == "none");
  CHECK_THAT(report.pod_spec.detail, Catch::StartsWith("GET ns/p: 403 Forbidden: RBAC"));
  CHECK(report.subject.pod == "ns/p");  // the downward API still names the subject
}

TEST_CASE("the own-pod lookup flags", "[cli][pod_lookup]") {
  auto parsed = agent::parse_command_line({"probe", "--no-pod-lookup"}, catalog());
  REQUIRE(std::holds_alternative<agent::ProbeArgs>(parsed));
  CHECK_FALSE(std::get<agent::ProbeArgs>(parsed).pod_lookup.enabled);
  parsed = agent::parse_command_line({"probe", "--service-account-dir", "/run/sa"}, catalog());
  REQUIRE(std::holds_alternative<agent::ProbeArgs>(parsed));
  CHECK(std::get<agent::ProbeArgs>(parsed).pod_lookup.enabled);
  CHECK(std::get<agent::ProbeArgs>(parsed).pod_lookup.service_account_dir == "/run/sa");
  for (const auto& [args, message] : std::vector<std::pair<std::vector<std::string>, std::string>>{
           {{"probe", "--service-account-dir="}, "--service-account-dir needs a directory"},
           {{"probe", "--service-account-dir", "a", "--service-account-dir", "b"},
            "--service-account-dir is given twice"},
           {{"probe", "--no-pod-lookup=yes"}, "--no-pod-lookup takes no value"}}) {
    parsed = agent::parse_command_line(args, catalog());
    REQUIRE(std::holds_alternative<agent::UsageError>(parsed));
    CHECK_THAT(std::get<agent::UsageError>(parsed).message, Catch::Contains(message));
  }
  const auto help =
      std::get<agent::HelpArgs>(agent::parse_command_line({"probe", "--help"}, catalog()));
  CHECK_THAT(help.text, Catch::Contains("--no-pod-lookup") &&
                            Catch::Contains("--service-account-dir DIR") &&
                            Catch::Contains("KUBERNETES_SERVICE_HOST"));
}
