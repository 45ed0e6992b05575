// resources.cpu_limit on Linux: the verdict table in a cgroup quota's words, and the probe over
// fixture trees with a scripted burn.
#include <catch2/catch.hpp>

#include "platform/fake/fake_platform.hpp"
#include "probes/common/judge.hpp"
#include "probes/common/text.hpp"
#include "probes/probe_list.hpp"
#include "probes/resources/cpu_limit.hpp"
#include "probes/resources/cpu_limit_linux.hpp"
#include "tests/unit/probes/fixtures.hpp"

using namespace capprobe;
using namespace capprobe::probes;
using capprobe::platform::FakePlatform;

namespace {

struct Case {
  const char* name;
  CpuFacts facts;
  std::optional<bool> requested;
  Status status;
  const char* observed;
  const char* summary_has;
};

CpuFacts facts(std::optional<double> limit, int visible, std::optional<double> measured,
               std::optional<double> requested = std::nullopt, std::optional<double> steal = 0.0,
               bool quick = false) {
  CpuFacts out;
  out.limit_cpus = limit;
  out.visible_cpus = visible;
  out.measured_cpus = measured;
  out.requested_cpus = requested;
  out.steal_cpus = steal;
  out.quick = quick;
  out.terms = linux_cpu_terms();
  return out;
}

CpuFacts in_pod_vm(CpuFacts in) {
  in.pod_vm = true;
  return in;
}

CpuFacts unseen(CpuFacts in) {
  in.limit_unseen = "cgroup gone";
  return in;
}

CpuFacts throttled(CpuFacts in, std::uint64_t times) {
  in.throttle_events = times;
  return in;
}

CpuFacts busy(CpuFacts in, double other) {
  in.other_cpus = other;
  return in;
}

// The kernel has `online` CPUs; this process may use only `allowed` (its visible_cpus), and the
// cpuset cgroup says `cpuset` ("" = not read).
CpuFacts restricted(CpuFacts in, int online, const char* allowed, const char* cpuset) {
  in.online_cpus = online;
  in.allowed_list = allowed;
  if (*cpuset != '\0') in.cpuset_list = cpuset;
  return in;
}

}  // namespace

TEST_CASE("the CPU verdict table", "[cpu_limit]") {
  const Case cases[] = {
      {"enforced 0.5 measured 0.52", facts(0.5, 2, 0.52), std::nullopt, Status::supported,
       "enforced", "enforced"},
      {"enforced and requested", facts(0.5, 2, 0.45, 0.5), true, Status::supported, "enforced",
       "limit 0.50"},
      {"not enforced 0.5 measured 1.9", facts(0.5, 2, 1.9), std::nullopt, Status::unsupported,
       "not_enforced", "not enforced"},
      {"not enforced and requested", facts(0.5, 2, 1.9, 0.5), true, Status::unsupported,
       "not_enforced", "REQUESTED BUT IGNORED: resources.limits.cpu"},
      {"requested differs from configured", facts(1.0, 4, 1.05, 0.5), true, Status::supported,
       "enforced", "the pod spec requested 0.50 CPUs, the cgroup says 1.00"},
      {"limit not below the visible CPUs", facts(4.0, 2, 1.98), std::nullopt, Status::untested,
       "not_binding", "not below"},
      {"limit, measured well below, no steal", facts(1.0, 2, 0.4), std::nullopt, Status::untested,
       "inconclusive", "contention"},
      {"limit, measured below, steal explains", facts(1.0, 2, 0.4, std::nullopt, 0.5), std::nullopt,
       Status::untested, "hypervisor_limited", "stole"},
      {"no limit, full speed, not requested", facts(std::nullopt, 2, 1.97), false, Status::untested,
       "no_limit", "no limit was requested"},
      {"pod VM sized to the limit: the vCPUs are the limit",
       in_pod_vm(facts(std::nullopt, 2, 1.96, 2.0)), true, Status::supported, "enforced",
       "enforced by the size of this pod VM"},
      {"pod VM sized to the limit, burn short of the vCPUs",
       in_pod_vm(facts(std::nullopt, 2, 0.9, 2.0)), true, Status::untested, "inconclusive",
       "2 vCPUs (the limit)"},
      {"pod VM larger than the limit: the limit is ignored",
       in_pod_vm(facts(std::nullopt, 2, 1.97, 0.5)), true, Status::unsupported, "no_limit",
       "REQUESTED BUT IGNORED"},
      {"a node as large as the limit, not a pod VM: nothing shown",
       facts(std::nullopt, 2, 1.97, 2.0), true, Status::untested, "no_limit",
       "not below the visible CPUs"},
      {"pod VM sized to the limit, --quick",
       in_pod_vm(facts(std::nullopt, 2, std::nullopt, 2.0, std::nullopt, true)), true,
       Status::untested, "configured", "the VM's size is the limit"},
      {"no limit, request unknown", facts(std::nullopt, 2, 1.97), std::nullopt, Status::untested,
       "no_limit", "unknown"},
      {"requested but none", facts(std::nullopt, 2, 1.97, 0.5), true, Status::unsupported,
       "no_limit", "REQUESTED BUT IGNORED: resources.limits.cpu"},
      {"requested, none visible, burn matches the request", facts(std::nullopt, 4, 0.98, 1.0), true,
       Status::supported, "enforced", "hidden"},
      {"requested above the visible CPUs", facts(std::nullopt, 2, 1.97, 4.0), true,
       Status::untested, "no_limit", "not below the visible CPUs"},
      {"no limit, well below visible, high steal", facts(std::nullopt, 4, 2.0, std::nullopt, 1.8),
       std::nullopt, Status::untested, "hypervisor_limited", "stole"},
      {"no limit, well below visible, no steal", facts(std::nullopt, 4, 2.0), std::nullopt,
       Status::untested, "inconclusive", "measured 2.00 CPUs, 4 visible"},
      {"no limit, below, steal unknown", facts(std::nullopt, 4, 2.0, std::nullopt, std::nullopt),
       std::nullopt, Status::untested, "inconclusive", "contention"},
      {"quick with a limit", facts(0.5, 2, std::nullopt, std::nullopt, 0.0, true), std::nullopt,
       Status::untested, "configured", "burn skipped by --quick; configured limit 0.50"},
      {"quick, requested differs from configured", facts(0.5, 2, std::nullopt, 1.0, 0.0, true),
       true, Status::untested, "configured",
       "the pod spec requested 1.00 CPUs, the cgroup says 0.50"},
      {"contention, requested differs", facts(1.0, 2, 0.4, 0.5), true, Status::untested,
       "inconclusive", "the pod spec requested 0.50 CPUs, the cgroup says 1.00"},
      {"quick, requested but none visible", facts(std::nullopt, 2, std::nullopt, 0.5, 0.0, true),
       true, Status::untested, "not_measured", "only the burn would show it"},
      {"no measurement", facts(0.5, 2, std::nullopt), std::nullopt, Status::error, "error",
       "no measurement"},
      {"quick, limit unreadable",
       unseen(facts(std::nullopt, 2, std::nullopt, std::nullopt, 0.0, true)), std::nullopt,
       Status::untested, "not_measured", "no CPU limit could be read (cgroup gone"},
      {"no limit read, full speed", unseen(facts(std::nullopt, 2, 1.97)), std::nullopt,
       Status::untested, "no_limit", "a limit may also apply that cannot be read: cgroup gone"},
      {"below the limit but throttled at the quota", throttled(facts(0.5, 2, 0.37), 4),
       std::nullopt, Status::supported, "enforced", "throttled 4 times"},
      {"contention named with other load", busy(facts(0.5, 2, 0.37), 1.6), std::nullopt,
       Status::untested, "inconclusive",
       "busy meanwhile (contention): measured 0.37 CPUs, 2 visible, limit 0.50, steal 0.00 CPUs, "
       "other load 1.60 CPUs"},
      // Issue #8 finding 7: a match alone is no evidence of enforcement. A quota below the visible
      // CPUs that holds an all-CPU burn back throttles the group nearly every period, so an
      // unmoved nr_throttled says the quota did not hold the burn: what did (here other load
      // filling the CPUs) only looked like the quota.
      {"matches the quota, nr_throttled unmoved, CPUs full",
       throttled(busy(facts(1.5, 2, 1.42), 0.55), 0), std::nullopt, Status::untested,
       "inconclusive", "the quota's throttle counter did not move"},
      {"matches the quota, nr_throttled unmoved, CPUs idle",
       throttled(busy(facts(1.5, 2, 1.47), 0.03), 0), std::nullopt, Status::untested,
       "inconclusive", "did not hold it back"},
      {"matches the quota, nr_throttled unmoved, steal took the rest",
       throttled(facts(1.5, 2, 1.5, std::nullopt, 0.48), 0), std::nullopt, Status::untested,
       "hypervisor_limited", "stole"},
      // With the counter unreadable, saturation decides: CPUs all busy = the load may have set
      // the figure.
      {"matches the quota, counter unreadable, CPUs full", busy(facts(1.5, 2, 1.45), 0.5),
       std::nullopt, Status::untested, "inconclusive", "throttle counter could not be read"},
      {"matches the quota, counter unreadable, CPUs idle", busy(facts(0.5, 2, 0.5), 0.1),
       std::nullopt, Status::supported, "enforced", "rests on the measurement alone"},
      {"matches the quota and throttled, CPUs full", throttled(busy(facts(1.5, 2, 1.45), 0.5), 9),
       std::nullopt, Status::supported, "enforced", "throttled 9 times"},
      {"none visible, burn matches the request, CPUs full",
       busy(facts(std::nullopt, 4, 0.98, 1.0), 2.9), true, Status::untested, "inconclusive",
       "every CPU was busy"},
      // Held back with CPUs to spare: say what the measurement shows.
      {"no limit visible, held below the visible CPUs with CPUs idle",
       busy(facts(std::nullopt, 2, 1.53), 0.04), std::nullopt, Status::untested, "hidden_limit",
       "held to about 1.53 of 2 visible CPUs by something this process cannot see"},
      {"held well below a visible limit with CPUs idle", busy(facts(1.0, 2, 0.4), 0.05),
       std::nullopt, Status::untested, "hidden_limit",
       "held to about 0.40 of 2 visible CPUs (expected 1.00) by something this process cannot "
       "see"},
      {"pod VM sized to the limit, held below its vCPUs with CPUs idle",
       in_pod_vm(busy(facts(std::nullopt, 2, 0.9, 2.0), 0.05)), true, Status::untested,
       "hidden_limit", "held to about 0.90 of 2 vCPUs"},
      {"below the visible CPUs, other load took the rest", busy(facts(std::nullopt, 2, 1.0), 0.9),
       std::nullopt, Status::untested, "inconclusive", "(contention)"},
      // A cpuset (or affinity mask) narrower than the online CPUs is a limit on CPUs.
      {"cpuset of 1 of 2 online CPUs, no quota",
       restricted(facts(std::nullopt, 1, 0.98), 2, "0", "0"), false, Status::untested,
       "cpuset_limited", "may use 1 of the 2 online CPUs (cpuset 0): a limit on CPUs, not a quota"},
      {"cpuset, --quick",
       restricted(facts(std::nullopt, 1, std::nullopt, std::nullopt, 0.0, true), 2, "0", "0"),
       std::nullopt, Status::untested, "not_measured", "may use 1 of the 2 online CPUs (cpuset 0)"},
      {"affinity within a wider cpuset, quota enforced",
       throttled(restricted(facts(0.5, 1, 0.5), 2, "0", "0-1"), 10), std::nullopt,
       Status::supported, "enforced", "(affinity 0 within cpuset 0-1)"},
      {"cpuset, limit requested but no quota",
       restricted(facts(std::nullopt, 1, 0.98, 0.5), 2, "1", "1"), true, Status::unsupported,
       "cpuset_limited", "REQUESTED BUT IGNORED: resources.limits.cpu"},
      {"cpuset unread, affinity narrower than the online CPUs",
       restricted(facts(std::nullopt, 2, 1.97), 4, "2-3", ""), std::nullopt, Status::untested,
       "cpuset_limited", "2 visible of 4 online"},
  };
  for (const auto& row : cases) {
    INFO(row.name);
    CapabilityResult result;
    result.requested = row.requested;
    judge_cpu_limit(row.facts, result);
    CHECK(result.status == row.status);
    CHECK(result.observed == row.observed);
    INFO(result.summary);
    CHECK(result.summary.find(row.summary_has) != std::string::npos);
  }
}

TEST_CASE("the CPU verdict names no cpuset when every online CPU may be used", "[cpu_limit]") {
  for (const auto& row : {restricted(facts(std::nullopt, 2, 1.97), 2, "0-1", "0-1"),
                          facts(std::nullopt, 2, 1.97)}) {  // online count unknown
    CapabilityResult result;
    judge_cpu_limit(row, result);
    INFO(result.summary);
    CHECK(result.observed == "no_limit");
    CHECK(result.summary.find("online") == std::string::npos);
  }
}

TEST_CASE("the throttle count is named only beside a visible quota", "[cpu_limit]") {
  // With no quota in view cpu.stat is this cgroup's own, whose counter a hidden parent's quota
  // never moves: "throttled 0 times" beside "held to about 1.53" would read as evidence.
  CapabilityResult hidden;
  judge_cpu_limit(throttled(busy(facts(std::nullopt, 2, 1.53), 0.02), 0), hidden);
  INFO(hidden.summary);
  CHECK(hidden.observed == "hidden_limit");
  CHECK(hidden.summary.find("throttled") == std::string::npos);
  CapabilityResult quota;
  judge_cpu_limit(throttled(facts(0.5, 2, 0.5), 10), quota);
  CHECK(quota.summary.find("throttled 10 times") != std::string::npos);
}

TEST_CASE("/proc/stat: totals, steal and the CPU count", "[cpu_limit]") {
  const auto before = parse_proc_stat(
      "cpu  100 0 50 800 0 0 0 50 30 0\ncpu0 50 0 25 400 0 0 0 25 15 0\ncpu1 50 0 25 400 0 0 0 25 "
      "15 0\nintr 1\n");
  REQUIRE(before);
  CHECK(before->total == 1000);
  CHECK(before->steal == 50);
  CHECK(before->cpu_lines == 2);
  CHECK(before->cpu_ids == std::vector<int>{0, 1});
  REQUIRE(before->per_cpu.size() == 2);
  CHECK(before->per_cpu.at(1).total == 500);
  CHECK(before->per_cpu.at(1).steal == 25);
  // CPU 1 alone: its own sums, counted as one CPU.
  const auto one = only_cpus(*before, {1});
  REQUIRE(one);
  CHECK(one->total == 500);
  CHECK(one->idle == 400);
  CHECK(one->cpu_lines == 1);
  CHECK_FALSE(only_cpus(*before, {2}));  // no line: offline, or not accounted
  CHECK_FALSE(only_cpus(*before, {}));
  auto after = *before;
  after.total += 200;
  after.steal += 50;  // a quarter of all time stolen on 2 CPUs = half a CPU
  CHECK(steal_cpus(*before, after) == Approx(0.5));
  after.idle += 100;  // of the 200 ticks: 100 idle, 50 stolen, 50 busy -> half a CPU busy
  CHECK(busy_cpus(*before, after) == Approx(0.5));
  CHECK_FALSE(busy_cpus(after, *before));
  CHECK_FALSE(steal_cpus(after, *before));
  CHECK_FALSE(parse_proc_stat("intr 1\n"));
  CHECK_FALSE(parse_proc_stat("cpu  1 x 3\n"));
}

namespace {

constexpr const char* kOnline = "/sys/devices/system/cpu/online";

struct Run {
  FakePlatform fake;
  PodRequests requests;
  bool quick = false;
  std::vector<std::pair<int, std::chrono::milliseconds>> burns;

  explicit Run(const std::string& fixture_name) {
    capprobe::testing::load_fixture(fake, fixture_name);
    fake.cpus = {0, 1};
  }
  // The burn gets `cpus` worth of CPU time; cpu.stat and /proc/stat move as a throttled
  // cgroup's would.
  void burn_gives(double cpus, const std::string& stat_path = "",
                  const std::string& after_stat = "", const std::string& proc_stat_after = "") {
    fake.burn = [this, cpus, stat_path, after_stat, proc_stat_after](int threads,
                                                                     std::chrono::milliseconds d) {
      burns.emplace_back(threads, d);
      if (!stat_path.empty()) fake.file(stat_path, after_stat);
      if (!proc_stat_after.empty()) fake.file("/proc/stat", proc_stat_after);
      platform::BurnSample sample;
      sample.threads = threads;
      sample.wall = std::chrono::milliseconds(1000);
      sample.cpu = std::chrono::microseconds(static_cast<std::int64_t>(cpus * 1'000'000));
      return platform::Result<platform::BurnSample>(sample);
    };
  }
  CapabilityResult go() {
    // The fixtures' /proc/stat was captured on a larger machine: unless a test says otherwise,
    // the fake kernel has exactly the CPUs the fake process may use online.
    if (!fake.exists(kOnline)) fake.file(kOnline, text::format_cpu_list(fake.cpus) + "\n");
    ProbeContext ctx{fake, requests, quick, ".capprobe-1-test", std::chrono::steady_clock::now()};
    return resources_cpu_limit_linux_probe().run(ctx);
  }
};

}  // namespace

TEST_CASE("cpu_limit on a v1 runc container with a 0.5 CPU quota", "[cpu_limit]") {
  Run run("cg-v1-docker-cgroupns");
  run.burn_gives(0.51, "/sys/fs/cgroup/cpu,cpuacct/cpu.stat",
                 "nr_periods 130\nnr_throttled 40\nthrottled_time 2000000000\n");
  const auto result = run.go();
  CHECK(result.id == "resources.cpu_limit");
  CHECK(result.status == Status::supported);
  CHECK(result.observed == "enforced");
  const auto& e = result.evidence;
  CHECK(e["limit_cpus"] == 0.5);
  CHECK(e["limit_source"] == "cgroup_v1");
  CHECK(e["measured_cpus"] == Approx(0.51));
  CHECK(e["visible_cpus"] == 2);
  CHECK(e["quota_us"] == 50000);
  CHECK(e["period_us"] == 100000);
  CHECK(e["shares"] == 512);
  CHECK(e["nr_throttled_delta"] == 10);
  CHECK(e["throttled_usec_delta"] == 500000);
  CHECK(e["decoded_request"]["from_shares"]["low_cpus"] == 0.5);
  CHECK(e["steal_ticks_delta"] == 0);
  // One thread per visible CPU for a second: >= 10 CFS periods.
  REQUIRE(run.burns.size() == 1);
  CHECK(run.burns[0].first == 2);
  CHECK(run.burns[0].second == std::chrono::milliseconds(1000));
}

TEST_CASE("cpu_limit on a v2 pod: weight decoded both ways, not enforced", "[cpu_limit]") {
  Run run("cg-v2-pod-cgroupns");
  run.requests.from_pod_spec = true;
  run.requests.cpu_limit_cpus = 0.5;
  run.requests.cpu_request_cpus = 0.5;
  run.burn_gives(1.9);
  const auto result = run.go();
  CHECK(result.status == Status::unsupported);
  CHECK(result.requested == true);
  CHECK(result.requested_but_ignored());
  CHECK(result.evidence["limit_source"] == "cgroup_v2");
  CHECK(result.evidence["weight"] == 20);
  CHECK(result.evidence["decoded_request"]["from_weight_linear"]["low_cpus"].get<double>() ==
        Approx(0.5).epsilon(0.05));
  CHECK(result.evidence["decoded_request"].contains("from_weight_nonlinear"));
  // Weight 20 holds a 0.5 CPU request only through the old linear formula.
  CHECK(result.evidence["decoded_request"]["matches_request"] ==
        std::vector<std::string>{"from_weight_linear"});
  CHECK(result.evidence["nr_throttled_delta"] == 0);
}

TEST_CASE("cpu_limit on the hybrid host: no limit", "[cpu_limit]") {
  Run run("cg-hybrid");
  run.burn_gives(1.96);
  const auto result = run.go();
  CHECK(result.status == Status::untested);
  CHECK(result.observed == "no_limit");
  CHECK(result.requested == std::nullopt);
  CHECK(result.evidence["limit_cpus"].is_null());
  CHECK(result.evidence["limit_source"] == "none");
  CHECK(result.evidence["cgroup"]["layout"] == "hybrid");
}

TEST_CASE("cpu_limit: a requested limit with no cgroup limit is ignored", "[cpu_limit]") {
  Run run("cg-none");
  run.requests.from_pod_spec = true;
  run.requests.cpu_limit_cpus = 0.5;
  run.burn_gives(1.95);
  const auto result = run.go();
  CHECK(result.status == Status::unsupported);
  CHECK(result.summary.rfind(std::string(kIgnoredPrefix), 0) == 0);
  CHECK(result.evidence["requested_limit_cpus"] == 0.5);
}

TEST_CASE("cpu_limit: steal during the burn comes from /proc/stat", "[cpu_limit]") {
  Run run("cg-none");
  run.fake.cpus = {0, 1, 2, 3};
  // 4 CPUs accounted; 2000 more ticks, 900 of them steal -> 1.8 CPUs stolen.
  run.burn_gives(2.0, "", "",
                 "cpu  11000 0 5000 80100 100 0 50 920 0 0\ncpu0 1 0 0 0 0 0 0 0 0 0\n"
                 "cpu1 1 0 0 0 0 0 0 0 0 0\ncpu2 1 0 0 0 0 0 0 0 0 0\ncpu3 1 0 0 0 0 0 0 0 0 0\n");
  const auto result = run.go();
  CHECK(result.observed == "hypervisor_limited");
  CHECK(result.evidence["steal_ticks_delta"] == 900);
  CHECK(result.evidence["steal_cpus"] == Approx(1.8));
  // 1000 busy ticks of 2000 on 4 CPUs = 2 CPUs busy, all of them the burn's.
  CHECK(result.evidence["other_cpus"] == Approx(0.0));
}

TEST_CASE("cpu_limit --quick burns nothing and keeps the configured limit", "[cpu_limit]") {
  Run run("cg-v2-pod-cgroupns");
  run.quick = true;
  run.burn_gives(2.0);
  const auto result = run.go();
  CHECK(run.burns.empty());
  CHECK(result.status == Status::untested);
  CHECK(result.summary.find("burn skipped by --quick") != std::string::npos);
  CHECK(result.evidence["limit_cpus"] == 0.5);
  CHECK(result.evidence["measured_cpus"].is_null());
}

TEST_CASE("cpu_limit: a failing burn is an error with the errno", "[cpu_limit]") {
  Run run("cg-v1-docker-cgroupns");
  run.fake.burn = [](int, std::chrono::milliseconds) {
    return platform::Result<platform::BurnSample>(platform::fake_error("EAGAIN", "pthread_create"));
  };
  const auto result = run.go();
  CHECK(result.status == Status::error);
  CHECK(result.evidence["burn_errno"] == "EAGAIN");
  CHECK(result.summary.find("EAGAIN") != std::string::npos);
}

TEST_CASE("cpu_limit: a burn at the quota with nr_throttled unmoved is not called enforced",
          "[cpu_limit]") {
  // The fixture's quota is 0.5 CPU; cpu.stat stays as it was (nr_throttled 30): the quota never
  // held the burn back, whatever the measurement says.
  Run run("cg-v1-docker-cgroupns");
  run.burn_gives(0.5);
  const auto result = run.go();
  INFO(result.summary);
  CHECK(result.evidence["nr_throttled_delta"] == 0);
  CHECK(result.evidence["limit_cpus"] == 0.5);
  CHECK(result.observed != "enforced");
  CHECK(result.status == Status::untested);
  CHECK(result.summary.find("the quota's throttle counter did not move") != std::string::npos);
}

TEST_CASE("cpu_limit: a cpuset narrower than the online CPUs is in evidence and verdict",
          "[cpu_limit]") {
  // cg-hybrid: no quota, the cpuset cgroup at the root (0-1); affinity holds the process to CPU 1.
  Run run("cg-hybrid");
  run.fake.cpus = {1};
  run.fake.file(kOnline, "0-1\n");
  SECTION("measured") {
    run.burn_gives(0.97);
    const auto result = run.go();
    INFO(result.summary);
    CHECK(result.observed == "cpuset_limited");
    CHECK(result.status == Status::untested);
    CHECK(result.summary.find("may use 1 of the 2 online CPUs (affinity 1 within cpuset 0-1)") !=
          std::string::npos);
    const auto& e = result.evidence;
    CHECK(e["limit_cpus"].is_null());
    CHECK(e["limit_source"] ==
          "none");  // a cpuset is not a quota: DESIGN's sources stay as they are
    CHECK(e["visible_cpus"] == 1);
    CHECK(e["online_cpus"] == 2);
    CHECK(e["online_cpu_list"] == "0-1");
    CHECK(e["cpuset_cpus"] == "0-1");
    CHECK(e["allowed_cpus"] == "1");
  }
  SECTION("--quick") {
    run.quick = true;
    const auto result = run.go();
    INFO(result.summary);
    CHECK(result.observed == "not_measured");
    CHECK(result.summary.find("may use 1 of the 2 online CPUs") != std::string::npos);
    CHECK(result.evidence["online_cpus"] == 2);
    CHECK(result.evidence["cpuset_cpus"] == "0-1");
  }
}

TEST_CASE("cpu_limit: online CPUs from /proc/stat when sysfs cannot be read", "[cpu_limit]") {
  Run run("cg-none");  // no cpuset controller; /proc/stat accounts cpu0..cpu3
  run.fake.cpus = {0, 1};
  run.fake.fail("read_file", kOnline, "EACCES");
  run.burn_gives(1.96);
  const auto result = run.go();
  INFO(result.summary);
  CHECK(result.evidence["online_cpus"] == 4);
  CHECK(result.evidence["online_cpu_list"] == "0-3");
  CHECK(result.evidence["cpuset_cpus"].is_null());
  CHECK(result.observed == "cpuset_limited");
  CHECK(result.summary.find("may use 2 of the 4 online CPUs (affinity/cpuset 0-1)") !=
        std::string::npos);
}

TEST_CASE("cpu_limit: load on CPUs this process may not use is not contention", "[cpu_limit]") {
  // Quota 0.5, cpu.stat unreadable (no throttle counter), the process held to CPU 0 of 4.
  // Over the second the burn gets half of CPU 0, whose other half is idle, while CPUs 1-3 are
  // busy with work the burn never competed with. Counted over the whole machine that work would
  // look like saturation and make the match suspect; counted where the burn ran, CPU 0 stood
  // half idle and the quota held the burn.
  Run run("cg-v1-docker-cgroupns");
  run.fake.cpus = {0};
  run.fake.file(kOnline, "0-3\n");
  run.fake.fail("read_file", "/sys/fs/cgroup/cpu,cpuacct/cpu.stat", "EACCES");
  run.burn_gives(0.5, "", "",
                 "cpu  10350 0 5000 80050 100 0 50 20 0 0\n"
                 "cpu0 2550 0 1250 20050 25 0 12 5 0 0\n"
                 "cpu1 2600 0 1250 20000 25 0 12 5 0 0\n"
                 "cpu2 2600 0 1250 20000 25 0 13 5 0 0\n"
                 "cpu3 2600 0 1250 20000 25 0 13 5 0 0\n");
  const auto result = run.go();
  INFO(result.summary);
  CHECK(result.evidence["load_counted_on"] == "allowed_cpus");
  CHECK(result.evidence["other_cpus"] == Approx(0.0).margin(1e-9));
  CHECK(result.observed == "enforced");
  CHECK(result.summary.find("rests on the measurement alone") != std::string::npos);
}
