// resources.cpu_limit on Windows: the job's CPU rate in CPUs, kubelet's CpuMaximum, the other load
// from GetSystemTimes, the verdict table in a job's words, and the probe over the shapes of
// Windows Server 2019/2022 nodes (tests/unit/probes/win_resources_shapes.hpp) with a scripted burn.
#include <catch2/catch.hpp>

#include "platform/fake/fake_platform.hpp"
#include "probes/common/judge.hpp"
#include "probes/probe_list.hpp"
#include "probes/resources/cpu_limit.hpp"
#include "probes/resources/cpu_limit_windows.hpp"
#include "tests/unit/probes/win_resources_shapes.hpp"

using namespace capprobe;
using namespace capprobe::probes;
using namespace capprobe::testing::win;
using capprobe::platform::FakePlatform;

TEST_CASE("a job's CPU rate control in CPUs", "[cpu_limit][windows]") {
  struct Row {
    const char* name;
    JobCpuRate rate;
    int processors;
    const char* control;
    std::optional<std::uint32_t> figure;
    std::optional<double> cpus;
  };
  JobCpuRate soft;
  soft.control_flags = kRateEnable;
  soft.enabled = true;
  soft.cpu_rate = 2500;
  JobCpuRate min_max;
  min_max.control_flags = kRateEnable | kRateMinMax;
  min_max.enabled = min_max.min_max = true;
  min_max.min_rate = 1000;
  min_max.max_rate = 5000;
  JobCpuRate disabled = hard_cap(625);
  disabled.enabled = false;
  const Row rows[] = {
      {"no rate control", no_rate(), 8, "none", std::nullopt, std::nullopt},
      {"ENABLE flag clear", disabled, 8, "none", std::nullopt, std::nullopt},
      {"hard cap 625 of 8 processors", hard_cap(625), 8, "hard_cap", 625u, 0.5},
      {"hard cap 1250 of 16", hard_cap(1250), 16, "hard_cap", 1250u, 2.0},
      {"hard cap 156 of all 128", hard_cap(156), 128, "hard_cap", 156u, 1.9968},
      {"rate without HARD_CAP", soft, 4, "rate", 2500u, 1.0},
      {"MaxRate is the cap", min_max, 2, "min_max", 5000u, 1.0},
      {"weight: no cap", weight(5), 8, "weight", std::nullopt, std::nullopt},
      {"processor count unknown", hard_cap(625), 0, "hard_cap", 625u, std::nullopt},
  };
  for (const auto& row : rows) {
    INFO(row.name);
    const auto limit = job_cpu_limit(row.rate, row.processors);
    CHECK(limit.control == row.control);
    CHECK(limit.rate == row.figure);
    REQUIRE(limit.cpus.has_value() == row.cpus.has_value());
    if (row.cpus) CHECK(*limit.cpus == Approx(*row.cpus));
  }
}

TEST_CASE("kubelet's CpuMaximum for a CPU limit", "[cpu_limit][windows]") {
  // calculateCPUMaximum: 10 x milliCPU / processors, in [1, 10000].
  CHECK(kubelet_cpu_maximum(0.5, 8) == 625);
  CHECK(kubelet_cpu_maximum(2.0, 16) == 1250);
  CHECK(kubelet_cpu_maximum(1.0, 16) == 625);
  CHECK(kubelet_cpu_maximum(1.0, 64) == 156);  // one group's NumCPU on a 128-processor node
  CHECK(kubelet_cpu_maximum(1.0, 128) == 78);
  CHECK(kubelet_cpu_maximum(3.0, 2) == 10000);  // more than the node: all of it
  CHECK(kubelet_cpu_maximum(0.001, 128) == 1);  // never 0
  CHECK(kubelet_cpu_maximum(0.25, 3) == 833);   // rounded down
  CHECK(kubelet_cpu_maximum(1.0, 0) == 0);
}

TEST_CASE("processors per group from the nodes' group masks", "[cpu_limit][windows]") {
  CHECK(processors_per_group(ws2019_two_groups().numa) == std::vector<int>{64, 64});
  CHECK(processors_per_group(one_node(8, 0)) == std::vector<int>{8});
  // A node spanning two groups, and a second node in group 1: 48 + 48.
  NumaFacts spanning;
  spanning.nodes = {NumaNodeFacts{0, {{0, 0xFFFFFFFFFFFFull}, {1, 0xFFFFFFull}}, {}},
                    NumaNodeFacts{1, {{1, 0xFFFFFF000000ull}}, {}}};
  CHECK(processors_per_group(spanning) == std::vector<int>{48, 48});
  CHECK(processors_per_group(NumaFacts{}).empty());
}

TEST_CASE("busy CPUs from GetSystemTimes", "[cpu_limit][windows]") {
  platform::SystemTimes before{5'000'000, 9'000'000, 3'000'000};
  CHECK(*busy_cpus_from_times(before, times_after(before, 1.5, 8), 8) == Approx(1.5));
  CHECK(*busy_cpus_from_times(before, times_after(before, 0.0, 4), 4) == Approx(0.0));
  // Kernel time counts idle time too: 2 s kernel of which 1.5 s idle, and 0.5 s user, are 1 s
  // busy of 2.5 s on 2 CPUs: 0.8 CPUs.
  const platform::SystemTimes after{before.idle + 15'000'000, before.kernel + 20'000'000,
                                    before.user + 5'000'000};
  CHECK(*busy_cpus_from_times(before, after, 2) == Approx(0.8));
  CHECK_FALSE(busy_cpus_from_times(after, before, 2));   // backwards
  CHECK_FALSE(busy_cpus_from_times(before, before, 2));  // no time passed
  CHECK_FALSE(busy_cpus_from_times(before, after, 0));
}

namespace {

CpuFacts win(std::optional<double> limit, int visible, std::optional<double> measured,
             std::optional<double> requested = std::nullopt,
             std::optional<double> other = std::nullopt, bool quick = false) {
  CpuFacts out;
  out.terms = windows_cpu_terms(true);
  out.limit_cpus = limit;
  out.visible_cpus = visible;
  out.online_cpus = visible;
  out.measured_cpus = measured;
  out.requested_cpus = requested;
  out.other_cpus = other;
  out.quick = quick;
  return out;  // no steal and no throttle count: Windows keeps neither
}

}  // namespace

TEST_CASE("the CPU verdict table in a job's words", "[cpu_limit][windows]") {
  struct Row {
    const char* name;
    CpuFacts facts;
    std::optional<bool> requested;
    Status status;
    const char* observed;
    const char* summary_has;
  };
  auto no_job = win(std::nullopt, 8, 7.9, 0.5, 0.1);
  no_job.terms = windows_cpu_terms(false);
  auto restricted = win(std::nullopt, 64, 63.5, std::nullopt, 0.2);
  restricted.online_cpus = 128;
  restricted.allowed_list = "0-63";
  auto unseen = win(std::nullopt, 8, 7.9, std::nullopt, 0.05);
  unseen.limit_unseen = "QueryInformationJobObject: ERROR_ACCESS_DENIED";
  auto pod_vm = win(std::nullopt, 2, 1.95, 2.0, 0.02);
  pod_vm.pod_vm = true;
  const Row rows[] = {
      // The cap met while CPUs stood idle: the only evidence Windows gives.
      {"hard cap met, CPUs idle", win(0.5, 8, 0.51, 0.5, 0.2), true, Status::supported, "enforced",
       "Windows keeps no throttle count for a job's CPU rate, so this rests on the measurement "
       "alone"},
      {"hard cap met, every CPU busy", win(0.5, 8, 0.5, 0.5, 6.9), true, Status::untested,
       "inconclusive",
       "every CPU was busy meanwhile and Windows keeps no throttle count for a job's CPU rate, so "
       "other load may have held it there rather than the rate"},
      {"hard cap met, other load unknown", win(0.5, 8, 0.5), std::nullopt, Status::supported,
       "enforced", "rests on the measurement alone"},
      {"burn far past the cap, requested", win(0.5, 8, 7.8, 0.5, 0.1), true, Status::unsupported,
       "not_enforced", "REQUESTED BUT IGNORED: resources.limits.cpu"},
      {"burn past the cap, not requested", win(1.0, 8, 3.0, std::nullopt, 0.1), std::nullopt,
       Status::unsupported, "not_enforced", "the CPU limit is not enforced"},
      {"the job's rate differs from the request", win(0.125, 2, 0.13, 1.0, 0.02), true,
       Status::supported, "enforced", "the pod spec requested 1.00 CPUs, the job object says 0.12"},
      {"no rate, a limit requested, full burn", win(std::nullopt, 8, 7.9, 0.5, 0.05), true,
       Status::unsupported, "no_limit", "REQUESTED BUT IGNORED"},
      {"no job at all, a limit requested", no_job, true, Status::unsupported, "no_limit",
       "REQUESTED BUT IGNORED"},
      {"no rate, nothing requested", win(std::nullopt, 8, 7.9, std::nullopt, 0.05), false,
       Status::untested, "no_limit", "no limit was requested"},
      {"no rate visible, burn at the request, CPUs idle", win(std::nullopt, 8, 1.0, 1.0, 0.1), true,
       Status::supported, "enforced",
       "no CPU limit is visible in this process's job object (the limit sits where this process "
       "cannot query it"},
      {"held back with CPUs idle", win(std::nullopt, 8, 3.9, std::nullopt, 0.1), std::nullopt,
       Status::untested, "hidden_limit", "e.g. a CPU rate on an outer job object"},
      {"held back, other load unknown", win(std::nullopt, 8, 3.9), std::nullopt, Status::untested,
       "inconclusive", "probably contention"},
      {"one processor group of two", restricted, std::nullopt, Status::untested, "cpuset_limited",
       "this process may use 64 of the 128 online CPUs (affinity 0-63): a limit on CPUs, not a "
       "rate"},
      {"job unreadable", unseen, std::nullopt, Status::untested, "no_limit",
       "a limit may also apply that cannot be read: QueryInformationJobObject: "
       "ERROR_ACCESS_DENIED"},
      {"a utility VM sized to the limit", pod_vm, true, Status::supported, "enforced",
       "no CPU rate inside it"},
      {"--quick with a cap", win(0.5, 8, std::nullopt, std::nullopt, std::nullopt, true),
       std::nullopt, Status::untested, "configured",
       "burn skipped by --quick; configured limit 0.50 CPUs of 8 visible"},
      {"--quick, requested, none visible",
       win(std::nullopt, 8, std::nullopt, 0.5, std::nullopt, true), true, Status::untested,
       "not_measured",
       "no CPU limit visible in the job object (8 CPUs visible); a limit of 0.50 CPUs was "
       "requested: the limit may sit on an outer job object or on the utility VM"},
  };
  for (const auto& row : rows) {
    INFO(row.name);
    CapabilityResult result;
    result.requested = row.requested;
    judge_cpu_limit(row.facts, result);
    INFO(result.summary);
    CHECK(result.status == row.status);
    CHECK(result.observed == row.observed);
    CHECK(result.summary.find(row.summary_has) != std::string::npos);
    // No cgroup words in a Windows verdict.
    CHECK(result.summary.find("cgroup") == std::string::npos);
    CHECK(result.summary.find("quota") == std::string::npos);
  }
}

TEST_CASE("the judge refuses facts without an OS's words", "[cpu_limit][windows]") {
  CpuFacts facts;
  facts.visible_cpus = 2;
  facts.measured_cpus = 1.9;
  CapabilityResult result;
  CHECK_THROWS_AS(judge_cpu_limit(facts, result), std::logic_error);
}

namespace {

struct Run {
  FakePlatform fake;
  PodRequests requests;
  bool quick = false;
  std::string isolation;
  int processors = 0;
  std::vector<std::pair<int, std::chrono::milliseconds>> burns;

  explicit Run(const Shape& shape) : isolation(shape.isolation) {
    apply(fake, shape);
    processors = static_cast<int>(shape.numa.active_processors);
    fake.windows.system_times = platform::SystemTimes{40'000'000, 90'000'000, 30'000'000};
  }
  void limit(double cpus) {
    requests.from_pod_spec = true;
    requests.cpu_limit_cpus = cpus;
  }
  // The burn gets `cpus`; the system is busy with `others` more CPUs' worth meanwhile.
  void burn_gives(double cpus, double others) {
    fake.burn = [this, cpus, others](int threads, std::chrono::milliseconds d) {
      burns.emplace_back(threads, d);
      const auto before = fake.windows.system_times.value();
      fake.windows.system_times = times_after(before, cpus + others, processors);
      platform::BurnSample sample;
      sample.threads = threads;
      sample.wall = std::chrono::milliseconds(1000);
      sample.cpu = std::chrono::microseconds(static_cast<std::int64_t>(cpus * 1'000'000));
      return platform::Result<platform::BurnSample>(sample);
    };
  }
  CapabilityResult go() {
    ProbeContext ctx{fake, requests, quick, ".capprobe-1-test", std::chrono::steady_clock::now()};
    ctx.isolation = testing::win::isolation(isolation);
    return resources_cpu_limit_windows_probe().run(ctx);
  }
};

}  // namespace

TEST_CASE("cpu_limit on Windows: the catalog entry is the Linux one", "[cpu_limit][windows]") {
  const auto linux_info = resources_cpu_limit_linux_probe().info;
  const auto windows_info = resources_cpu_limit_windows_probe().info;
  CHECK(windows_info.id == "resources.cpu_limit");
  CHECK(windows_info.platforms == std::vector<std::string>{"linux", "windows"});
  CHECK(linux_info.platforms == windows_info.platforms);
  CHECK(windows_info.cost == Cost::heavy);
  CHECK(windows_info.scope == SpecScope::container);
}

TEST_CASE("cpu_limit on a WS2019 process-isolated container: the 625 hard cap holds",
          "[cpu_limit][windows]") {
  Run run(ws2019_process_isolated());
  run.limit(0.5);
  run.burn_gives(0.5, 0.3);
  const auto result = run.go();
  INFO(result.summary);
  CHECK(result.id == "resources.cpu_limit");
  CHECK(result.status == Status::supported);
  CHECK(result.observed == "enforced");
  CHECK(result.requested == true);
  const auto& e = result.evidence;
  CHECK(e["limit_cpus"] == 0.5);
  CHECK(e["limit_source"] == "job_object");
  CHECK(e["measured_cpus"] == 0.5);
  CHECK(e["visible_cpus"] == 8);
  CHECK(e["rate_control"] == "hard_cap");
  CHECK(e["cpu_rate"]["control_flags"] == 5);
  CHECK(e["cpu_rate"]["cpu_rate"] == 625);
  CHECK(e["rate_processors"] == 8);
  CHECK(e["kubelet_cpu_maximum"]["all_processors"] == 625);
  CHECK(e["rate_made_by"] == "all_processors");
  CHECK(e["other_cpus"].get<double>() == Approx(0.3));
  CHECK(e["load_counted_on"] == "all_cpus");
  CHECK(e["steal_cpus"].is_null());
  CHECK(result.summary.find("rests on the measurement alone") != std::string::npos);
  // One thread per visible CPU for a second.
  REQUIRE(run.burns.size() == 1);
  CHECK(run.burns[0].first == 8);
  CHECK(run.burns[0].second == std::chrono::milliseconds(1000));
}

TEST_CASE("cpu_limit on a WS2019 container: a cap the burn passes is REQUESTED BUT IGNORED",
          "[cpu_limit][windows]") {
  Run run(ws2019_process_isolated());
  run.limit(0.5);
  run.burn_gives(7.6, 0.1);
  const auto result = run.go();
  INFO(result.summary);
  CHECK(result.status == Status::unsupported);
  CHECK(result.requested_but_ignored());
  CHECK(result.summary.rfind(std::string(kIgnoredPrefix), 0) == 0);
  CHECK(result.evidence["measured_cpus"] == 7.6);
}

TEST_CASE("cpu_limit on a WS2019 container: the cap met while every CPU was busy is not proof",
          "[cpu_limit][windows]") {
  Run run(ws2019_process_isolated());
  run.limit(0.5);
  run.burn_gives(0.5, 7.2);
  const auto result = run.go();
  INFO(result.summary);
  CHECK(result.status == Status::untested);
  CHECK(result.observed == "inconclusive");
  CHECK(result.evidence["other_cpus"].get<double>() == Approx(7.2));
}

TEST_CASE("cpu_limit on a WS2022 HostProcess pod: the host's CPUs, a 1250 hard cap",
          "[cpu_limit][windows]") {
  Run run(ws2022_hostprocess());
  run.limit(2.0);
  run.burn_gives(1.98, 0.4);
  const auto result = run.go();
  INFO(result.summary);
  CHECK(result.status == Status::supported);
  CHECK(result.observed == "enforced");
  CHECK(result.evidence["limit_cpus"] == 2.0);
  CHECK(result.evidence["limit_source"] == "job_object");
  CHECK(result.evidence["visible_cpus"] == 16);  // the host's: HostProcess sees them all
  CHECK(result.evidence["cpu_rate"]["cpu_rate"] == 1250);
  CHECK(run.burns.at(0).first == 16);
}

TEST_CASE("cpu_limit in a Hyper-V-isolated container: the rate is a share of the VM's CPUs",
          "[cpu_limit][windows]") {
  // kubelet divided the 1 CPU limit by the host's 16 processors (625); in the 2-vCPU utility VM
  // the same rate gives 0.125 CPUs, which the burn meets.
  Run run(hyperv_isolated());
  run.limit(1.0);
  run.burn_gives(0.13, 0.05);
  const auto result = run.go();
  INFO(result.summary);
  CHECK(result.status == Status::supported);
  CHECK(result.observed == "enforced");
  CHECK(result.evidence["limit_cpus"] == 0.125);
  CHECK(result.evidence["isolation"] == "vm_guest");
  CHECK(result.summary.find("the pod spec requested 1.00 CPUs, the job object says 0.12") !=
        std::string::npos);
  CHECK(result.summary.find("a share of the VM's 2 processors while kubelet computed it against "
                            "the host's") != std::string::npos);
  CHECK(result.evidence["rate_made_by"].is_null());  // not 10 x 1000 / 2 = 5000
}

TEST_CASE("cpu_limit in a Hyper-V utility VM sized to the limit: the vCPUs are the limit",
          "[cpu_limit][windows]") {
  auto shape = hyperv_isolated();
  shape.job = in_job(no_rate(), job_memory(512 * kMiB, 120 * kMiB));
  Run run(shape);
  run.limit(2.0);
  run.burn_gives(1.96, 0.02);
  const auto result = run.go();
  INFO(result.summary);
  CHECK(result.status == Status::supported);
  CHECK(result.evidence["limit_source"] == "vcpus");
  CHECK(result.evidence["limit_cpus"] == 2);
}

TEST_CASE("cpu_limit on WS2019 with two processor groups: an older kubelet's rate",
          "[cpu_limit][windows]") {
  // 156 of all 128 processors is 2 CPUs, not the 1 asked; the process sees one group of 64.
  Run run(ws2019_two_groups());
  run.limit(1.0);
  run.burn_gives(2.0, 0.5);
  const auto result = run.go();
  INFO(result.summary);
  const auto& e = result.evidence;
  CHECK(e["limit_cpus"] == 1.997);
  CHECK(e["rate_processors"] == 128);
  CHECK(e["online_cpus"] == 128);
  CHECK(e["visible_cpus"] == 64);
  CHECK(e["kubelet_cpu_maximum"]["all_processors"] == 78);
  CHECK(e["kubelet_cpu_maximum"]["one_group"][0]["processors"] == 64);
  CHECK(e["kubelet_cpu_maximum"]["one_group"][0]["cpu_maximum"] == 156);
  CHECK(e["rate_made_by"] == "one_group");
  CHECK(result.observed == "enforced");
  CHECK(result.summary.find("the pod spec requested 1.00 CPUs, the job object says 2.00") !=
        std::string::npos);
  CHECK(result.summary.find("from one processor group's 64 processors (runtime.NumCPU()) instead "
                            "of all 128") != std::string::npos);
  CHECK(result.summary.find("may use 64 of the 128 online CPUs (affinity 0-63)") !=
        std::string::npos);
  // Load on the other group never competed with the burn: it is not counted.
  CHECK(e["load_counted_on"].is_null());
  CHECK(e["other_cpus"].is_null());
}

TEST_CASE("cpu_limit on Windows: a weight-based job caps nothing", "[cpu_limit][windows]") {
  // Docker given both a weight and a maximum sets WEIGHT_BASED and drops the maximum.
  auto shape = ws2019_process_isolated();
  shape.job = in_job(weight(5), job_memory(512 * kMiB, 150 * kMiB));
  Run run(shape);
  run.limit(0.5);
  run.burn_gives(7.9, 0.05);
  const auto result = run.go();
  INFO(result.summary);
  CHECK(result.status == Status::unsupported);
  CHECK(result.requested_but_ignored());
  CHECK(result.observed == "no_limit");
  CHECK(result.evidence["limit_cpus"].is_null());
  CHECK(result.evidence["limit_source"] == "none");
  CHECK(result.evidence["rate_control"] == "weight");
  CHECK(result.summary.find("a CPU weight (5 of 1-9): a share under contention, not a cap") !=
        std::string::npos);
}

TEST_CASE("cpu_limit on Windows: a rate without HARD_CAP is named", "[cpu_limit][windows]") {
  auto shape = ws2019_process_isolated();
  JobCpuRate soft = hard_cap(625);
  soft.hard_cap = false;
  soft.control_flags = kRateEnable;
  shape.job = in_job(soft, job_memory(512 * kMiB, 150 * kMiB));
  Run run(shape);
  run.burn_gives(3.0, 0.1);
  const auto result = run.go();
  INFO(result.summary);
  CHECK(result.observed == "not_enforced");
  CHECK(result.evidence["rate_control"] == "rate");
  CHECK(result.summary.find("lacks JOB_OBJECT_CPU_RATE_CONTROL_HARD_CAP") != std::string::npos);
}

TEST_CASE("cpu_limit on Windows outside any job: no limit", "[cpu_limit][windows]") {
  auto shape = ws2022_hostprocess();
  shape.job = JobFacts{};  // IsProcessInJob: false
  Run run(shape);
  run.burn_gives(15.8, 0.1);
  const auto result = run.go();
  INFO(result.summary);
  CHECK(result.status == Status::untested);
  CHECK(result.observed == "no_limit");
  CHECK(result.evidence["in_job"] == false);
  CHECK(result.evidence["cpu_rate"].is_null());
  CHECK(result.evidence["limit_source"] == "none");
}

TEST_CASE("cpu_limit on Windows: an unreadable job is a limit that may be unseen",
          "[cpu_limit][windows]") {
  Run run(ws2019_process_isolated());
  run.fake.windows.job = platform::fake_error("ERROR_ACCESS_DENIED", "QueryInformationJobObject");
  run.limit(0.5);
  run.burn_gives(7.9, 0.05);
  const auto result = run.go();
  INFO(result.summary);
  CHECK(result.evidence["job_errno"] == "ERROR_ACCESS_DENIED");
  CHECK(result.evidence["in_job"].is_null());
  CHECK(result.summary.find("a limit may also apply that cannot be read: "
                            "QueryInformationJobObject: ERROR_ACCESS_DENIED") != std::string::npos);
}

TEST_CASE("cpu_limit on Windows: the CPU rate query failing is an unseen limit",
          "[cpu_limit][windows]") {
  auto shape = ws2019_process_isolated();
  shape.job.cpu_rate =
      platform::fake_error("ERROR_ACCESS_DENIED", "JobObjectCpuRateControlInformation");
  Run run(shape);
  run.burn_gives(7.9, 0.05);
  const auto result = run.go();
  CHECK(result.evidence["cpu_rate_errno"] == "ERROR_ACCESS_DENIED");
  CHECK(result.summary.find("cannot be read: JobObjectCpuRateControlInformation") !=
        std::string::npos);
}

TEST_CASE("cpu_limit on Windows --quick burns nothing", "[cpu_limit][windows]") {
  Run run(ws2019_process_isolated());
  run.quick = true;
  run.burn_gives(0.5, 0.1);
  const auto result = run.go();
  CHECK(run.burns.empty());
  CHECK(result.status == Status::untested);
  CHECK(result.observed == "configured");
  CHECK(result.evidence["limit_cpus"] == 0.5);
  CHECK(result.evidence["measured_cpus"].is_null());
}

TEST_CASE("cpu_limit on Windows: no system times, the cap rests on the burn alone",
          "[cpu_limit][windows]") {
  Run run(ws2019_process_isolated());
  run.fake.windows.system_times = platform::fake_error("ERROR_ACCESS_DENIED", "GetSystemTimes");
  run.fake.burn = [&run](int threads, std::chrono::milliseconds d) {
    run.burns.emplace_back(threads, d);
    platform::BurnSample sample;
    sample.threads = threads;
    sample.wall = std::chrono::milliseconds(1000);
    sample.cpu = std::chrono::milliseconds(500);
    return platform::Result<platform::BurnSample>(sample);
  };
  const auto result = run.go();
  INFO(result.summary);
  CHECK(result.evidence["system_times_errno"] == "ERROR_ACCESS_DENIED");
  CHECK(result.evidence["other_cpus"].is_null());
  CHECK(result.observed == "enforced");
  CHECK(result.summary.find("rests on the measurement alone") != std::string::npos);
}

TEST_CASE("cpu_limit on Windows: a failing burn or affinity is an error", "[cpu_limit][windows]") {
  SECTION("burn") {
    Run run(ws2019_process_isolated());
    run.fake.burn = [](int, std::chrono::milliseconds) {
      return platform::Result<platform::BurnSample>(
          platform::fake_error("ERROR_NOT_ENOUGH_MEMORY", "CreateThread"));
    };
    const auto result = run.go();
    CHECK(result.status == Status::error);
    CHECK(result.evidence["burn_errno"] == "ERROR_NOT_ENOUGH_MEMORY");
  }
  SECTION("NUMA facts missing: the visible CPUs count the rate, and evidence says so") {
    Run run(ws2019_process_isolated());
    run.fake.windows.numa = platform::fake_error("ERROR_ACCESS_DENIED", "GetNumaHighestNodeNumber");
    run.processors = 8;
    run.burn_gives(0.5, 0.1);
    const auto result = run.go();
    CHECK(result.evidence["rate_processors"] == 8);
    CHECK(result.evidence["rate_processors_from"].get<std::string>().find("allowed_cpus") == 0);
    CHECK(result.evidence["limit_cpus"] == 0.5);
  }
}
