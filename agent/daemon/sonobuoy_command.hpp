// `capprobe sonobuoy`: capprobe as a Sonobuoy plugin (deploy/sonobuoy/). One round of probes,
// the results where Sonobuoy's worker collects them, the done file that tells it where, then a
// wait for SIGTERM: the plugin runs as a DaemonSet, whose containers must not exit.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "agent/cli.hpp"
#include "agent/commands.hpp"
#include "agent/pod_lookup.hpp"
#include "agent/report.hpp"
#include "platform/platform.hpp"
#include "probes/probe.hpp"

namespace capprobe::agent::daemon {

// Sonobuoy's plugin results directory (pkg/plugin/constants.go, ResultsDir).
inline constexpr const char* kSonobuoyDefaultResultsDir = "/tmp/sonobuoy/results";

// The results directory: --results-dir, else SONOBUOY_RESULTS_DIR, else RESULTS_DIR (Sonobuoy
// sets both on the plugin's containers, pkg/client/gen.go applyAutoEnvVars and
// pkg/discovery/discovery.go avoidResultsDirIssue), else kSonobuoyDefaultResultsDir.
std::string sonobuoy_results_dir(const std::optional<std::string>& flag,
                                 const platform::Platform& os);

// Writes <results_dir>/capprobe/ (capprobe.yaml in the manual format, junit.xml, report.json,
// impact.json), each file atomically, then <results_dir>/done holding that directory's absolute
// path: the worker sends a directory named there as one archive (pkg/worker/worker.go
// handleWaitFile), so the YAML Sonobuoy reads and the JUnit and JSON a user may want all arrive.
// The YAML and the JUnit carry the conformance impact (`impact`: its version and profile), so
// `sonobuoy results` shows the predicted e2e failures. "" or why not.
std::string write_sonobuoy_results(const std::string& results_dir, const Report& report,
                                   const std::string& scratch_name,
                                   const ImpactOptions& impact = {});

// The command: probe once (as `capprobe probe`, agent.mode "sonobuoy"), write the results,
// wait for SIGTERM or SIGINT. Exit 0 after the signal, 1 when the results could not be
// written, 2 on a usage error.
int sonobuoy_main(const SonobuoyArgs& args, platform::Platform& os,
                  const std::vector<probes::Probe>& catalog, Console& console,
                  const PodGet& get_pod);

}  // namespace capprobe::agent::daemon
