// The probe runner: selection, ordering (light first, heavy alone), deadlines, error capture.
#include "agent/runner.hpp"

#include <memory>
#include <optional>

#include "agent/log.hpp"
#include "probes/common/worker.hpp"
#include "probes/round_reads.hpp"

namespace capprobe::agent {
namespace {

using probes::CapabilityResult;
using probes::Probe;
using probes::Status;

bool selected(const Probe& probe, const Selection& selection) {
  if (!selection.only.empty() && selection.only.count(probe.info.id) == 0) return false;
  return selection.skip.count(probe.info.id) == 0;
}

CapabilityResult error_result(const Probe& probe, std::string summary) {
  CapabilityResult result;
  result.id = probe.info.id;
  result.status = Status::error;
  result.observed = "error";
  result.summary = std::move(summary);
  return result;
}

// Runs one probe on `worker` under its deadline. Everything the probe's thread touches is
// copied into the step, so that an abandoned thread never reads freed memory.
CapabilityResult run_one(const Probe& probe, platform::Platform& os,
                         const probes::PodRequests& requests, bool quick,
                         const std::string& scratch_name,
                         const std::shared_ptr<const probes::IsolationAssessment>& isolation,
                         const std::shared_ptr<probes::RoundReads>& reads,
                         const probes::ApiAccess& api, probes::Worker& worker) {
  const auto started = std::chrono::steady_clock::now();
  const auto deadline = started + probe.info.timeout;
  auto outcome = worker.run(probe.info.timeout, [&os, probe, requests, quick, scratch_name,
                                                 isolation, reads, api, deadline] {
    try {
      probes::ProbeContext context{os, requests, quick, scratch_name, deadline};
      context.isolation = isolation;
      context.reads = reads;
      context.api = api;
      return probe.run(context);
    } catch (const std::exception& failure) {
      return error_result(probe, std::string("the probe failed: ") + failure.what());
    } catch (...) {
      return error_result(probe, "the probe failed with an unknown exception");
    }
  });
  const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);
  if (outcome.timed_out) {
    logger("runner")->warn("probe overran its deadline id={} timeout_ms={}", probe.info.id,
                           probe.info.timeout.count());
    auto overrun = error_result(probe, "the probe did not finish within its deadline of " +
                                           std::to_string(probe.info.timeout.count()) + " ms");
    overrun.duration_ms = elapsed.count();
    overrun.requested = std::nullopt;
    return overrun;
  }
  // Thread creation fails with EAGAIN under a tight pids limit (common in pods): that is this
  // probe's error, not the end of the run.
  if (!outcome.done())
    return error_result(probe, "could not start a thread for the probe: " + outcome.failure);
  auto result = std::move(*outcome.value);
  if (result.id != probe.info.id) {
    result =
        error_result(probe, "the probe returned a result for the wrong id '" + result.id + "'");
  }
  result.duration_ms = elapsed.count();
  return result;
}

}  // namespace

std::vector<std::string> unknown_ids(const std::vector<Probe>& probes, const Selection& selection) {
  std::vector<std::string> unknown;
  for (const auto* ids : {&selection.only, &selection.skip})
    for (const auto& id : *ids) {
      bool known = false;
      for (const auto& probe : probes) known = known || probe.info.id == id;
      if (!known) unknown.push_back(id);
    }
  return unknown;
}

std::vector<CapabilityResult> run_probes(
    const std::vector<Probe>& probes, platform::Platform& os, const probes::PodRequests& requests,
    const Selection& selection, const std::string& scratch_name,
    std::shared_ptr<const probes::IsolationAssessment> isolation, probes::ApiAccess api,
    std::shared_ptr<probes::RoundReads> reads) {
  std::vector<CapabilityResult> results;
  if (!reads) reads = std::make_shared<probes::RoundReads>();
  // Under --quick the heavy probes only read their configuration, so they run as light ones.
  const auto runs_alone = [&](const Probe& probe) {
    return probe.info.cost == probes::Cost::heavy && !selection.quick;
  };
  // One thread runs the probes one after another; a probe that overruns keeps it, and the next
  // probe gets a new one.
  probes::Worker worker;
  for (const bool heavy_pass : {false, true})
    for (const auto& probe : probes) {
      if (!selected(probe, selection) || runs_alone(probe) != heavy_pass) continue;
      results.push_back(run_one(probe, os, requests, selection.quick, scratch_name, isolation,
                                reads, api, worker));
    }
  // Report in catalog order, whatever order they ran in.
  std::vector<CapabilityResult> ordered;
  for (const auto& probe : probes)
    for (auto& result : results)
      if (result.id == probe.info.id) ordered.push_back(std::move(result));
  return ordered;
}

}  // namespace capprobe::agent
