// resources.cpu_limit against a real CFS quota: capprobe runs inside a cgroup v1 cpu group
// limited to half a CPU and must report the configured limit and measure about as much.
#include <catch2/catch.hpp>

#include <cmath>
#include <string>

#include "tests/integration/support/report.hpp"
#include "tests/integration/support/run.hpp"
#include "tests/integration/support/sandbox.hpp"

namespace {

using namespace capprobe::it;

constexpr double kLimitCpus = 0.5;  // 50000 / 100000
constexpr double kTolerance = 0.15;

}  // namespace

TEST_CASE("resources.cpu_limit: a cgroup v1 quota of 0.5 CPU is read and measured",
          "[cgroup][cpu]") {
  CAPPROBE_IT_NEEDS(Facility::root, Facility::cgroup_v1_cpu);
  CgroupV1Group group("cpu", "cpu");
  group.write("cpu.cfs_period_us", "100000");
  group.write("cpu.cfs_quota_us", "50000");
  // The quota is under test, not the machine's load: the highest weight lets the burn have its
  // half CPU even while other work (compiles) keeps both CPUs busy. It cannot lift the burn
  // above the quota.
  group.write("cpu.shares", "262144");
  REQUIRE(group.read("cpu.cfs_quota_us") == "50000");

  // Contention from other work on this machine can only lower the measurement, never raise it
  // above the quota: a reading below the band is retried (at most three runs), a reading above
  // it means the quota was not enforced and fails at once.
  nlohmann::json result;
  for (int attempt = 1; attempt <= 3; ++attempt) {
    const auto run = capprobe::it::run(
        group.wrap({capprobe_path(), "probe", "--json", "--only", "resources.cpu_limit"}),
        kQuickRunTimeout);
    INFO("attempt " << attempt << "\n" << describe(run));
    REQUIRE(run.exited_zero());
    result = result_of(parse_report(run), "resources.cpu_limit");
    const auto measured = result["evidence"].value("measured_cpus", nlohmann::json());
    if (!measured.is_number() || measured.get<double>() >= kLimitCpus * (1 - kTolerance)) break;
    WARN("attempt " << attempt << " measured " << measured.dump()
                    << " CPUs, below the band (machine busy?); retrying");
  }

  INFO(brief(result));
  CHECK(evidence_problems(result) == std::vector<std::string>{});
  const auto& evidence = result["evidence"];
  CHECK(evidence.value("limit_source", "") == "cgroup_v1");
  REQUIRE(evidence.value("limit_cpus", nlohmann::json()).is_number());
  CHECK(evidence["limit_cpus"].get<double>() == Approx(kLimitCpus).margin(1e-9));
  REQUIRE(evidence.value("measured_cpus", nlohmann::json()).is_number());
  CHECK(evidence["measured_cpus"].get<double>() == Approx(kLimitCpus).epsilon(kTolerance));
  CHECK(result["status"] != "error");

  // Nothing of capprobe is left in the group, so it can be removed.
  CHECK(group.remove() == "");
}
