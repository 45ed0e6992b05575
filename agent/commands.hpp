// What each capprobe subcommand does once its command line is parsed (agent/cli.hpp). The
// world comes in through Console and the Platform, so tests run a command over FakePlatform.
#pragma once

#include <istream>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "agent/cli.hpp"
#include "agent/pod_lookup.hpp"
#include "agent/report.hpp"
#include "platform/platform.hpp"
#include "probes/probe.hpp"

namespace capprobe::agent {

struct Console {
  std::ostream& out;
  std::ostream& err;
  std::istream& in;
  bool out_is_terminal = false;
};

// ".capprobe-<pid>-<6 random hex digits>": the run's scratch name (probes/probe.hpp).
std::string new_scratch_name(int pid);

struct OneRound {
  Report report;
  std::string scratch_name;  // the run's, for the temp files of what it writes next
};

// What `capprobe probe` and `capprobe sonobuoy` share: reads the pod spec (--pod-spec, or in a
// pod the pod's own through `get_pod`), sweeps old residue (also in `sweep_too`, where the
// caller writes), runs the probes once as `agent_mode`. nullopt after a usage error, written to
// console.err (a bad --pod-spec: nothing on the system was touched).
std::optional<OneRound> probe_once(const ProbeArgs& args, platform::Platform& os,
                                   const std::vector<probes::Probe>& probes, Console& console,
                                   const PodGet& get_pod, std::string_view agent_mode,
                                   const std::vector<std::string>& sweep_too);

// Reads the pod spec (--pod-spec, or in a pod the pod's own through `get_pod`), sweeps old
// residue, runs the probes, renders the report.
int run_probe_command(const ProbeArgs& args, platform::Platform& os,
                      const std::vector<probes::Probe>& probes, Console& console,
                      const PodGet& get_pod);
int run_list_command(const ListArgs& args, const std::vector<probes::Probe>& probes,
                     Console& console);
int run_version_command(Console& console);

}  // namespace capprobe::agent
