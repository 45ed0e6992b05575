// capprobe sonobuoy: probe once, write Sonobuoy's files, wait for the stop signal.
#include "agent/daemon/sonobuoy_command.hpp"

#include <chrono>
#include <filesystem>
#include <system_error>

#include "agent/daemon/beast.hpp"
#include "agent/daemon/stop_events.hpp"
#include "agent/formats/format.hpp"
#include "agent/formats/impact.hpp"
#include "agent/formats/outcome.hpp"
#include "agent/impact_command.hpp"
#include "agent/log.hpp"
#include "agent/user_files.hpp"
#include "platform/process/process.hpp"
#include "probes/common/bounded.hpp"

namespace capprobe::agent::daemon {
namespace {

constexpr const char* kResultsSubdir = "capprobe";
// The results live on an emptyDir; the bound is for a node whose disk has stopped answering.
constexpr std::chrono::seconds kWriteLimit{30};

std::optional<std::string> non_empty_env(const platform::Platform& os, const char* name) {
  auto value = os.env(name);
  if (!value || value->empty()) return std::nullopt;
  return value;
}

std::string write_all(const std::string& results_dir, const Report& report,
                      const std::string& scratch_name, const ImpactOptions& impact) {
  namespace fs = std::filesystem;
  std::error_code error;
  const auto base = fs::absolute(results_dir, error);
  if (error) return "cannot resolve " + results_dir + ": " + error.message();
  const auto dir = base / kResultsSubdir;
  fs::create_directories(dir, error);
  if (error) return "cannot create " + dir.string() + ": " + error.message();
  const auto view = impact_of(report, impact);
  const std::pair<const char*, std::string> files[] = {
      {"capprobe.yaml", render_sonobuoy_with_impact(report, view)},
      {"junit.xml", render_junit_with_impact(report, view)},
      {"report.json", render(report, Format::json)},
      {"impact.json", render_impact_json(view)}};
  for (const auto& [name, text] : files) {
    const auto path = (dir / name).string();
    if (auto failure = write_file_atomically(path, text, scratch_name + "-sonobuoy");
        !failure.empty())
      return "cannot write " + path + ": " + failure;
  }
  // Last, and whole: the worker acts on the done file as soon as it sees it.
  const auto done = (base / "done").string();
  if (auto failure = write_file_atomically(done, dir.string(), scratch_name + "-done");
      !failure.empty())
    return "cannot write " + done + ": " + failure;
  return "";
}

}  // namespace

std::string sonobuoy_results_dir(const std::optional<std::string>& flag,
                                 const platform::Platform& os) {
  if (flag) return *flag;
  for (const char* name : {"SONOBUOY_RESULTS_DIR", "RESULTS_DIR"})
    if (auto value = non_empty_env(os, name)) return *value;
  return kSonobuoyDefaultResultsDir;
}

std::string write_sonobuoy_results(const std::string& results_dir, const Report& report,
                                   const std::string& scratch_name, const ImpactOptions& impact) {
  const auto written =
      probes::run_bounded(kWriteLimit, [results_dir, report, scratch_name, impact] {
        return write_all(results_dir, report, scratch_name, impact);
      });
  return written.done() ? *written.value : written.why_not(kWriteLimit);
}

int sonobuoy_main(const SonobuoyArgs& args, platform::Platform& os,
                  const std::vector<probes::Probe>& catalog, Console& console,
                  const PodGet& get_pod) {
  const auto log = logger("sonobuoy");
  // Listening from the start: a SIGTERM during the round ends the wait after the results are
  // written, instead of killing the process without them.
  net::io_context loop;
  StopEvents stop_events(loop);
  std::string stopped_by;
  stop_events.start([&](const std::string& what) {
    stopped_by = what;
    loop.stop();
  });

  const auto results_dir = sonobuoy_results_dir(args.results_dir, os);
  const auto round = probe_once(args.probe, os, catalog, console, get_pod, "sonobuoy",
                                {results_dir, results_dir + "/" + kResultsSubdir});
  if (!round) return kExitUsage;
  if (const auto failure = write_sonobuoy_results(results_dir, round->report, round->scratch_name,
                                                  args.probe.impact);
      !failure.empty()) {
    console.err << "capprobe: cannot write the Sonobuoy results: " << failure << "\n";
    return kExitFailed;
  }
  int passed = 0, failed = 0, skipped = 0;
  for (const auto& result : round->report.results) {
    switch (test_outcome(result)) {
      case TestOutcome::passed:
        ++passed;
        break;
      case TestOutcome::failed:
      case TestOutcome::errored:
        ++failed;
        break;
      case TestOutcome::skipped:
        ++skipped;
        break;
    }
  }
  console.out << "capprobe sonobuoy: results in " << results_dir << "/" << kResultsSubdir << " ("
              << passed << " passed, " << failed << " failed, " << skipped
              << " skipped; pod spec: " << round->report.pod_spec.source
              << "); waiting for SIGTERM\n";
  console.out.flush();
  // Nothing of the round is needed any more while the container waits to be stopped.
  platform::release_free_memory();

  loop.run();
  log->info("stopping after {}", stopped_by);
  console.out << "capprobe sonobuoy: stopped by " << stopped_by << "\n";
  console.out.flush();
  return kExitOk;
}

}  // namespace capprobe::agent::daemon
