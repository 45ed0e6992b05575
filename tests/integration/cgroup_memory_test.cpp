// resources.memory_limit against a real memory limit: the whole probe set runs inside a cgroup
// v1 memory group of 128 MiB; the memory probe's child must be OOM-killed near the limit while
// capprobe itself survives and completes its report.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "tests/integration/support/report.hpp"
#include "tests/integration/support/run.hpp"
#include "tests/integration/support/sandbox.hpp"

namespace {

using namespace capprobe::it;

constexpr std::int64_t kLimitBytes = 128LL * 1024 * 1024;
constexpr double kTolerance = 0.20;

// The "oom_kill N" line of memory.oom_control (Linux >= 4.13), or -1 when absent.
long oom_kills(const CgroupV1Group& group) {
  std::ifstream control(group.path() / "memory.oom_control");
  std::string key;
  long value = 0;
  while (control >> key >> value)
    if (key == "oom_kill") return value;
  return -1;
}

}  // namespace

TEST_CASE("resources.memory_limit: a 128 MiB cgroup v1 limit OOM-kills the child, not capprobe",
          "[cgroup][memory]") {
  CAPPROBE_IT_NEEDS(Facility::root, Facility::cgroup_v1_memory);
  CgroupV1Group group("memory", "mem");
  // memory.memsw.limit_in_bytes, where swap accounting exists, stays unlimited: lowering it is
  // not the point and it must never be below the memory limit anyway.
  group.write("memory.limit_in_bytes", std::to_string(kLimitBytes));
  REQUIRE(group.read("memory.limit_in_bytes") == std::to_string(kLimitBytes));
  const auto before = capprobe_entries();

  // The full probe set, not --only: the whole run must survive the OOM kill next to it.
  const auto run =
      capprobe::it::run(group.wrap({capprobe_path(), "probe", "--json"}), kFullRunTimeout);
  INFO(describe(run));
  REQUIRE(run.exited_zero());
  const auto report = parse_report(run);
  CHECK(envelope_problems(report) == std::vector<std::string>{});
  CHECK(result_ids(report).size() == catalog_ids().size());
  for (const auto& id : catalog_ids()) CHECK_NOTHROW(result_of(report, id));

  const auto& result = result_of(report, "resources.memory_limit");
  INFO(brief(result));
  CHECK(evidence_problems(result) == std::vector<std::string>{});
  const auto& evidence = result["evidence"];
  CHECK(evidence.value("limit_bytes", nlohmann::json()) == kLimitBytes);
  CHECK(evidence.value("limit_source", "") == "cgroup_v1");
  CHECK(evidence.value("outcome", "") == "oom_killed");
  REQUIRE(evidence.value("reached_bytes", nlohmann::json()).is_number_integer());
  CHECK(double(evidence["reached_bytes"].get<std::int64_t>()) ==
        Approx(double(kLimitBytes)).epsilon(kTolerance));
  CHECK(result["status"] != "error");

  // Corroboration from the kernel: the OOM killer did act in this group.
  const long kills = oom_kills(group);
  if (kills >= 0) CHECK(kills >= 1);

  for (const auto& other : report["results"]) {
    INFO(brief(other));
    CHECK(other["status"] != "error");
  }
  CHECK(new_residue(before, capprobe_entries(), {run.pid}) == std::vector<std::string>{});
  CHECK(group.remove() == "");
}
