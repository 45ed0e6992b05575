// The Windows catalog run whole through WindowsPlatform, as `capprobe probe` runs it on a node:
// every probe returns a well-formed result for its own id, none an error, and nothing of theirs
// is left in the temp dir. Under Wine the facts Wine lacks are said so in the results.
#include <windows.h>

#include <catch2/catch.hpp>
#include <map>
#include <string>

#include "platform/windows/windows_platform.hpp"
#include "probes/probe_list.hpp"
#include "probes/requests.hpp"
#include "tests/windows/windows_test_support.hpp"

using namespace capprobe::platform;
using capprobe::probes::CapabilityResult;
using capprobe::probes::Status;
using capprobe::testing::report_skip;
using capprobe::testing::wine_version;

namespace {

constexpr const char* kScratchName = ".capprobe-test-catalog";

// Every probe once, in catalog order, with a fresh deadline each as the runner gives it.
std::map<std::string, CapabilityResult> run_catalog(WindowsPlatform& os, bool quick) {
  const capprobe::probes::PodRequests requests;
  std::map<std::string, CapabilityResult> results;
  for (const auto& probe : capprobe::probes::windows_probes()) {
    capprobe::probes::ProbeContext ctx{os, requests, quick, kScratchName,
                                       std::chrono::steady_clock::now() + probe.info.timeout};
    results[probe.info.id] = probe.run(ctx);
  }
  return results;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("the Windows catalog through WindowsPlatform: every result well-formed, none an error") {
  WindowsPlatform os;
  for (const bool quick : {true, false}) {
    const auto results = run_catalog(os, quick);
    REQUIRE(results.size() == capprobe::probes::windows_probes().size());
    for (const auto& [id, result] : results) {
      INFO(id << (quick ? " quick" : " full") << ": " << result.summary);
      CHECK(result.id == id);
      CHECK(result.status != Status::error);
      CHECK_FALSE(result.observed.empty());
      CHECK_FALSE(result.summary.empty());
      CHECK(result.evidence.is_object());
      // The JSON a report carries reads back as the same result.
      const auto json = capprobe::probes::to_json(result);
      CHECK(capprobe::probes::to_json(capprobe::probes::result_from_json(json)) == json);
    }
  }
  // Nothing of the probes' is left in the temp dir.
  const auto left = os.list_through(os.temp_dir());
  REQUIRE(left.ok());
  for (const auto& name : left.value()) CHECK(name.rfind(kScratchName, 0) != 0);
}

TEST_CASE("the Windows catalog under Wine: what Wine lacks is said so, not guessed") {
  if (!wine_version()) return report_skip("a Wine behaviour; Windows answers these facts");
  WindowsPlatform os;
  const auto results = run_catalog(os, false);
  // No \\.\pipe\ listing (ERROR_BAD_DEV_TYPE): the well-known names were tried instead.
  const auto& pipes = results.at("fs.pipe_mount");
  CHECK(contains(pipes.summary, "ERROR_BAD_DEV_TYPE"));
  // No GetCurrentThreadCompartmentId: the compartment is unknown, and the summary says why.
  const auto& network = results.at("host.network");
  CHECK(contains(network.summary, "ERROR_PROC_NOT_FOUND"));
  // CreateSymbolicLinkW answers TRUE and makes nothing: no link kind works.
  const auto& symlink = results.at("fs.symlink");
  CHECK(symlink.status == Status::unsupported);
  // No NUMA node memory figure (GetNumaAvailableMemoryNodeEx is not implemented).
  CHECK(contains(results.at("topology.numa").summary, "memory unknown"));
  // The test process is in no job: no CPU rate and no commit limit to find, and the burn measured
  // (its verdict depends on the machine's load, which is not this test's business).
  const auto& cpu = results.at("resources.cpu_limit");
  CHECK(cpu.evidence.at("in_job") == false);
  CHECK(cpu.evidence.at("limit_source") == "none");
  CHECK_FALSE(cpu.evidence.at("measured_cpus").is_null());
  const auto& memory = results.at("resources.memory_limit");
  CHECK(memory.evidence.at("in_job") == false);
  CHECK(memory.observed == "no_limit");
}
