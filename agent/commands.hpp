// What each capprobe subcommand does once its command line is parsed (agent/cli.hpp). The
// world comes in through Console and the Platform, so tests run a command over FakePlatform.
#pragma once

#include <istream>
#include <ostream>
#include <string>
#include <vector>

#include "agent/cli.hpp"
#include "agent/pod_lookup.hpp"
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

// Reads the pod spec (--pod-spec, or in a pod the pod's own through `get_pod`), sweeps old
// residue, runs the probes, renders the report.
int run_probe_command(const ProbeArgs& args, platform::Platform& os,
                      const std::vector<probes::Probe>& probes, Console& console,
                      const PodGet& get_pod);
int run_list_command(const ListArgs& args, const std::vector<probes::Probe>& probes,
                     Console& console);
int run_version_command(Console& console);

}  // namespace capprobe::agent
