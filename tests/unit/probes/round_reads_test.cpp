// What the probes of a round read alike is read once a round (probes/round_reads.hpp): the
// mount table and the /proc scan for node agents. Before, one quick round read
// /proc/self/mountinfo eleven times and scanned /proc four times, costs that grow with the node.
#include <catch2/catch.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "agent/probe_round.hpp"
#include "platform/fake/fake_platform.hpp"
#include "probes/probe_list.hpp"
#include "probes/round_reads.hpp"
#include "tests/unit/probes/iso_test_support.hpp"

using capprobe::platform::FakePlatform;
using capprobe::probes::RoundReads;

namespace {

const nlohmann::json& evidence_of(const capprobe::agent::Report& report, const std::string& id) {
  for (const auto& result : report.results)
    if (result.id == id) return result.evidence;
  FAIL("no result for " << id);
  static const nlohmann::json none;
  return none;
}

}  // namespace

TEST_CASE("a round reads the mount table once and scans /proc once, whichever probes need them") {
  // iso-crx: the isolation assessment scans /proc too (an initial PID namespace with container
  // hints); iso-host: only the host.* probes do; iso-kata: a guest with its own mounts.
  for (const std::string fixture : {"iso-crx", "iso-host", "iso-kata"}) {
    for (const bool quick : {true, false}) {
      DYNAMIC_SECTION(fixture << (quick ? " quick" : " full")) {
        FakePlatform os;
        capprobe::testing::load_iso_fixture(os, fixture);
        REQUIRE(os.read_file("/proc/self/mountinfo"));
        const int mountinfo_before = os.calls("read_file", "/proc/self/mountinfo");
        capprobe::agent::Selection selection;
        selection.quick = quick;
        const auto report =
            capprobe::agent::run_probe_round(os, capprobe::probes::linux_probes(), {}, {},
                                             selection, "oneshot", ".capprobe-4242-abcdef");
        CHECK(os.calls("read_file", "/proc/self/mountinfo") - mountinfo_before == 1);
        CHECK(os.calls("list_dir", "/proc") == 1);
        // The probes that use the scan all saw it, with the fixture's processes in it.
        const auto& scan = evidence_of(report, "host.pid")["process_scan"];
        CHECK(scan["processes_seen"].get<int>() > 0);
        for (const auto* id : {"host.pid", "host.ipc", "host.network"}) {
          INFO(id);
          CHECK(evidence_of(report, id)["node_agents_visible"] == scan["node_agents"]);
        }
      }
    }
  }
}

TEST_CASE("a probe run alone (no runner) still reads for itself") {
  FakePlatform os;
  capprobe::testing::load_iso_fixture(os, "iso-host");
  capprobe::probes::PodRequests requests;
  capprobe::probes::ProbeContext context{os, requests, true, ".capprobe-4242-abcdef",
                                         std::chrono::steady_clock::now()};
  REQUIRE(context.reads == nullptr);
  const auto& first = capprobe::probes::mounts_of(context);
  REQUIRE(first);
  CHECK_FALSE(first.value().empty());
  CHECK(context.reads != nullptr);
  CHECK(&capprobe::probes::mounts_of(context) == &first);  // the same read, not a second one
  CHECK(os.calls("read_file", "/proc/self/mountinfo") == 1);
}

TEST_CASE("a read that hangs holds up no other read of the round") {
  // A probe abandoned at its deadline may be stuck in a read; the next probe must not wait on
  // it. The hung thread keeps its own reference to the round's reads.
  FakePlatform os;
  capprobe::testing::load_iso_fixture(os, "iso-host");
  os.hang("/proc/self/mountinfo");
  auto reads = std::make_shared<RoundReads>();
  std::thread([reads, &os] { reads->mounts(os); }).detach();
  while (os.hung_calls() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  const auto& scan = reads->process_scan(os);
  CHECK(scan.processes_seen == 5);
  CHECK(scan.node_agents == std::vector<std::string>{"containerd", "containerd-shim", "kubelet"});
}
