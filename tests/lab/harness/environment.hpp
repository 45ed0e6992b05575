// Running capprobe inside a scenario's environment: a runc container (container.cpp) or a QEMU
// guest (vm.cpp). Both build the environment, run capprobe once, take everything down again
// and return what capprobe said; judging it is the runner's job.
#pragma once

#include <map>
#include <string>

#include "tests/lab/harness/images.hpp"
#include "tests/lab/harness/scenario.hpp"

namespace capprobe::lab {

struct Outcome {
  bool finished = false;    // capprobe ran to its end (not killed, not timed out)
  int exit_code = -1;       // capprobe's exit status when finished
  std::string report;       // capprobe's stdout: the JSON report
  std::string diagnostics;  // capprobe's stderr, or the guest console's tail
  double setup_s = 0;       // building the environment (images come from the cache)
  double run_s = 0;         // capprobe's run (for a guest: boot, run and power-off)
  // Placeholders this environment defines for the expectations: {{scratch}},
  // {{host_dir.<name>}}, {{container.id}}...
  std::map<std::string, json> vars;
};

// Where capprobe finds the scenario's pod spec inside the environment.
inline constexpr const char* kPodSpecPath = "/etc/capprobe-lab/pod-spec.json";

Outcome run_in_container(const Scenario& scenario, const ContainerEnv& env, const LabPaths& paths);
Outcome run_in_vm(const Scenario& scenario, const VmEnv& env, const LabPaths& paths);

}  // namespace capprobe::lab
