// Runs the selected probes with a deadline each and turns every failure (exception, overrun)
// into an `error` result, so that one probe never takes down the run.
#pragma once

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "probes/probe.hpp"

namespace capprobe::agent {

struct Selection {
  std::set<std::string> only;  // empty = all
  std::set<std::string> skip;
  bool quick = false;
};

// Ids in `selection` that no probe has; the CLI turns them into a usage error.
std::vector<std::string> unknown_ids(const std::vector<probes::Probe>& probes,
                                     const Selection& selection);

// Light probes run one after another on a thread of the runner's (probes/common/worker.hpp),
// each under its deadline; heavy probes (the CPU burn, the memory test) run after them, alone,
// so that they measure nothing else. An overrun probe keeps its thread, which is abandoned (it
// holds its own copy of the context), and is reported as `error`; the next probe gets a new one.
// `isolation` is the round's assessment, handed to every probe (null: each probe that needs it
// assesses it itself); `reads` what the probes read alike, shared by all of them (null: the run
// makes its own).
std::vector<probes::CapabilityResult> run_probes(
    const std::vector<probes::Probe>& probes, platform::Platform& os,
    const probes::PodRequests& requests, const Selection& selection,
    const std::string& scratch_name,
    std::shared_ptr<const probes::IsolationAssessment> isolation = nullptr,
    probes::ApiAccess api = {}, std::shared_ptr<probes::RoundReads> reads = nullptr);

}  // namespace capprobe::agent
