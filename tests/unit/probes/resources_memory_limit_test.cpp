// resources.memory_limit: every gate and outcome of the verdict, the bounds of the trial plan, and
// the probe over fixture trees with a scripted child.
#include <catch2/catch.hpp>

#include "platform/fake/fake_platform.hpp"
#include "probes/common/judge.hpp"
#include "probes/probe_list.hpp"
#include "probes/resources/memory_limit.hpp"
#include "probes/resources/memory_limit_linux.hpp"
#include "tests/unit/probes/fixtures.hpp"

using namespace capprobe;
using namespace capprobe::probes;
using capprobe::platform::FakePlatform;
using capprobe::platform::MemoryTrialEnd;
using capprobe::platform::MemoryTrialOutcome;

namespace {

constexpr std::uint64_t k128 = 128 * kMiB;
constexpr std::uint64_t kVm = 100 * kMiB;

MemoryFacts limited(std::optional<std::uint64_t> limit = k128) {
  MemoryFacts facts;
  facts.limit_bytes = limit;
  facts.usage_bytes = 8 * kMiB;
  facts.mem_available = 12ull << 30;
  facts.vm_size = kVm;
  facts.address_space_backstop = true;
  facts.terms = linux_memory_terms();
  return facts;
}

MemoryTrialOutcome ended(MemoryTrialEnd end, std::uint64_t reached, int signal = 0,
                         std::string detail = "") {
  MemoryTrialOutcome outcome;
  outcome.end = end;
  outcome.reached_bytes = reached;
  outcome.signal = signal;
  outcome.detail = std::move(detail);
  return outcome;
}

}  // namespace

TEST_CASE("the memory gates, in order", "[memory_limit]") {
  struct Row {
    const char* name;
    MemoryFacts facts;
    const char* outcome;
    bool trial;
  };
  auto quick = limited();
  quick.quick = true;
  auto group = limited();
  group.crossing_unsafe = linux_crossing_risk(true, false, "");
  auto disabled = limited();
  disabled.crossing_unsafe = linux_crossing_risk(false, true, "");
  auto group_full = limited();
  group_full.crossing_unsafe = linux_crossing_risk(true, false, "");
  group_full.usage_bytes = 100 * kMiB;  // 28 MiB left: less than margin + a step
  auto group_unknown_usage = limited();
  group_unknown_usage.crossing_unsafe = linux_crossing_risk(true, false, "");
  group_unknown_usage.usage_bytes = std::nullopt;
  auto big = limited(8ull << 30);  // 8 GiB + margin > half of 12 GiB available
  auto no_available = limited();
  no_available.mem_available = std::nullopt;
  auto no_vm = limited();
  no_vm.vm_size = std::nullopt;
  auto policy_unseen = limited();
  policy_unseen.crossing_unsafe =
      linux_crossing_risk(false, false, "/sys/fs/cgroup/memory.oom.group: EACCES");
  auto big_group = limited(16ull << 30);
  big_group.crossing_unsafe = linux_crossing_risk(true, false, "");
  big_group.mem_available = 4ull << 30;

  const Row rows[] = {
      {"quick", quick, "not_run", false},
      {"no limit", limited(std::nullopt), "not_run", false},
      {"oom.group -> approach", group, "approach_only", true},
      {"oom_kill_disable -> approach", disabled, "approach_only", true},
      {"OOM policy unreadable -> approach", policy_unseen, "approach_only", true},
      {"oom.group, no room left", group_full, "approach_only", false},
      {"oom.group, usage unknown", group_unknown_usage, "approach_only", false},
      {"oom.group, approach too big for the node", big_group, "skipped_unsafe", false},
      {"limit + margin above half of MemAvailable", big, "skipped_unsafe", false},
      {"MemAvailable unknown", no_available, "skipped_unsafe", false},
      {"VmSize unknown", no_vm, "skipped_unsafe", false},
      {"full trial", limited(), "", true},
  };
  for (const auto& row : rows) {
    INFO(row.name);
    const auto plan = plan_memory_trial(row.facts);
    CHECK(plan.outcome == row.outcome);
    CHECK(plan.trial.has_value() == row.trial);
    CHECK_FALSE(plan.reason.empty());
  }
}

TEST_CASE("the cgroups' OOM policy decides whether crossing the limit is safe", "[memory_limit]") {
  CHECK_FALSE(linux_crossing_risk(false, false, ""));
  CHECK(linux_crossing_risk(true, false, "")->find("memory.oom.group is 1") != std::string::npos);
  CHECK(linux_crossing_risk(false, true, "")->find("freeze") != std::string::npos);
  CHECK(linux_crossing_risk(false, false, "x: EACCES")->find("cannot be read (x: EACCES)") !=
        std::string::npos);
}

TEST_CASE("the trial plan is bounded", "[memory_limit]") {
  const auto full = plan_memory_trial(limited());
  REQUIRE(full.trial);
  CHECK(full.trial->stop_at_bytes == k128 + 32 * kMiB);
  CHECK(full.trial->step_bytes == 16 * kMiB);
  CHECK(full.trial->address_space_limit == kVm + k128 + 32 * kMiB + 32 * kMiB);
  CHECK(full.trial->timeout == std::chrono::milliseconds(8000));

  // Approach only: never past limit - usage - margin.
  auto facts = limited();
  facts.crossing_unsafe = linux_crossing_risk(true, false, "");
  const auto approach = plan_memory_trial(facts);
  REQUIRE(approach.trial);
  CHECK(approach.trial->stop_at_bytes == k128 - 8 * kMiB - 32 * kMiB);
  CHECK(approach.trial->stop_at_bytes + *facts.usage_bytes < k128);
  CHECK(approach.trial->address_space_limit == kVm + approach.trial->stop_at_bytes + 32 * kMiB);
}

TEST_CASE("the memory verdict for every outcome", "[memory_limit]") {
  struct Row {
    const char* name;
    MemoryFacts facts;
    std::optional<MemoryTrialOutcome> outcome;
    std::optional<std::uint64_t> kills_before, kills_after;
    std::optional<bool> requested;
    Status status;
    const char* observed;
    const char* outcome_word;
    const char* summary_has;
  };
  auto quick = limited();
  quick.quick = true;
  auto none_requested = limited(std::nullopt);
  none_requested.requested_bytes = k128;
  auto group = limited();
  group.crossing_unsafe = linux_crossing_risk(true, false, "");
  auto swap = limited();
  swap.swap_possible = true;
  auto requested_more = limited();
  requested_more.requested_bytes = 256 * kMiB;
  auto high = limited();
  high.soft_limit_bytes = 96 * kMiB;
  auto policy_unseen = limited();
  policy_unseen.crossing_unsafe =
      linux_crossing_risk(false, false, "/sys/fs/cgroup/memory.oom.group: EACCES");
  auto unseen = limited(std::nullopt);
  unseen.limit_unseen = "this process's memory cgroup / lies outside the root /../..";
  unseen.requested_bytes = k128;

  const Row rows[] = {
      {"quick",
       quick,
       std::nullopt,
       {},
       {},
       std::nullopt,
       Status::untested,
       "configured",
       "not_run",
       "skipped by --quick"},
      {"no limit, not requested",
       limited(std::nullopt),
       std::nullopt,
       {},
       {},
       false,
       Status::untested,
       "no_limit",
       "not_run",
       "nothing to enforce"},
      {"no limit but requested",
       none_requested,
       std::nullopt,
       {},
       {},
       true,
       Status::unsupported,
       "no_limit",
       "not_run",
       "REQUESTED BUT IGNORED: resources.limits.memory"},
      {"approach only",
       group,
       ended(MemoryTrialEnd::reached_target, 88 * kMiB),
       {},
       {},
       std::nullopt,
       Status::untested,
       "approach_only",
       "approach_only",
       "memory.oom.group is 1"},
      {"approach only: the OOM policy cannot be read",
       policy_unseen,
       ended(MemoryTrialEnd::reached_target, 88 * kMiB),
       {},
       {},
       std::nullopt,
       Status::untested,
       "approach_only",
       "approach_only",
       "cannot be read (/sys/fs/cgroup/memory.oom.group: EACCES)"},
      {"skipped unsafe",
       limited(8ull << 30),
       std::nullopt,
       {},
       {},
       std::nullopt,
       Status::untested,
       "skipped_unsafe",
       "skipped_unsafe",
       "MemAvailable"},
      {"oom killed near the limit", limited(), ended(MemoryTrialEnd::killed, 112 * kMiB, 9), 0, 1,
       true, Status::supported, "enforced", "oom_killed", "oom_kill +1"},
      {"oom killed, counter unreadable",
       limited(),
       ended(MemoryTrialEnd::killed, 112 * kMiB, 9),
       {},
       {},
       std::nullopt,
       Status::supported,
       "enforced",
       "oom_killed",
       "OOM killer"},
      {"oom killed, counter did not move", limited(), ended(MemoryTrialEnd::killed, 112 * kMiB, 9),
       3, 3, std::nullopt, Status::supported, "enforced", "oom_killed", "did not move"},
      {"killed far below, no OOM counted", limited(), ended(MemoryTrialEnd::killed, 16 * kMiB, 9),
       0, 0, std::nullopt, Status::untested, "inconclusive", "oom_killed", "well below"},
      {"killed by another signal",
       limited(),
       ended(MemoryTrialEnd::killed, 64 * kMiB, 11),
       {},
       {},
       std::nullopt,
       Status::error,
       "error",
       "not_run",
       "signal 11"},
      {"allocation failed near the limit",
       limited(),
       ended(MemoryTrialEnd::alloc_failed, 112 * kMiB, 0, "ENOMEM"),
       {},
       {},
       std::nullopt,
       Status::supported,
       "enforced",
       "alloc_failed",
       "ENOMEM"},
      {"allocation failed far below",
       limited(),
       ended(MemoryTrialEnd::alloc_failed, 32 * kMiB, 0, "ENOMEM"),
       {},
       {},
       std::nullopt,
       Status::untested,
       "inconclusive",
       "alloc_failed",
       "well below"},
      {"reached the target: not enforced", limited(),
       ended(MemoryTrialEnd::reached_target, 160 * kMiB), 0, 0, std::nullopt, Status::unsupported,
       "not_enforced", "not_enforced", "not enforced"},
      {"not enforced and requested",
       limited(),
       ended(MemoryTrialEnd::reached_target, 160 * kMiB),
       {},
       {},
       true,
       Status::unsupported,
       "not_enforced",
       "not_enforced",
       "REQUESTED BUT IGNORED: resources.limits.memory"},
      {"reached the target with swap",
       swap,
       ended(MemoryTrialEnd::reached_target, 160 * kMiB),
       {},
       {},
       std::nullopt,
       Status::untested,
       "swapping",
       "not_enforced",
       "swap"},
      {"timed out",
       limited(),
       ended(MemoryTrialEnd::timed_out, 96 * kMiB),
       {},
       {},
       std::nullopt,
       Status::error,
       "timed_out",
       "not_run",
       "did not finish within 8000 ms"},
      {"timed out under memory.high",
       high,
       ended(MemoryTrialEnd::timed_out, 100 * kMiB),
       {},
       {},
       std::nullopt,
       Status::untested,
       "throttled",
       "not_run",
       "throttled by memory.high (96 MiB)"},
      {"limit unreadable: neither no-limit nor ignored",
       unseen,
       std::nullopt,
       {},
       {},
       true,
       Status::untested,
       "unknown",
       "not_run",
       "cannot be read"},
      {"requested differs from configured", requested_more,
       ended(MemoryTrialEnd::killed, 112 * kMiB, 9), 0, 1, true, Status::supported, "enforced",
       "oom_killed", "the pod spec requested 256 MiB, the cgroup says 128 MiB"},
  };
  for (const auto& row : rows) {
    INFO(row.name);
    const auto plan = plan_memory_trial(row.facts);
    TrialReport trial;
    trial.outcome = row.outcome;
    trial.oom_kill_before = row.kills_before;
    trial.oom_kill_after = row.kills_after;
    CapabilityResult result;
    result.requested = row.requested;
    judge_memory_limit(row.facts, plan, trial, result);
    INFO(result.summary);
    CHECK(result.status == row.status);
    CHECK(result.observed == row.observed);
    CHECK(result.evidence["outcome"] == row.outcome_word);
    CHECK(result.summary.find(row.summary_has) != std::string::npos);
    if (row.outcome && (plan.outcome.empty() || plan.outcome == "approach_only"))
      CHECK(result.evidence["reached_bytes"] == row.outcome->reached_bytes);
    else
      CHECK(result.evidence["reached_bytes"].is_null());
  }
}

TEST_CASE("a trial the platform cannot run is an error", "[memory_limit]") {
  const auto facts = limited();
  const auto plan = plan_memory_trial(facts);
  TrialReport trial;
  trial.error = "fork: EAGAIN";
  CapabilityResult result;
  judge_memory_limit(facts, plan, trial, result);
  CHECK(result.status == Status::error);
  CHECK(result.evidence["outcome"] == "not_run");
  CHECK(result.summary.find("EAGAIN") != std::string::npos);
}

TEST_CASE("kib_field reads /proc/meminfo and /proc/self/status", "[memory_limit]") {
  CHECK(kib_field("MemTotal: 100 kB\nMemAvailable:   2048 kB\n", "MemAvailable") == 2048u * 1024);
  CHECK(kib_field("VmSize:\t  102400 kB\n", "VmSize") == 102400ull * 1024);
  CHECK(kib_field("HugePages_Total:       3\n", "HugePages_Total") == 3u);
  CHECK_FALSE(kib_field("MemTotal: 100 kB\n", "MemAvailable"));
  CHECK_FALSE(kib_field("MemAvailable: lots kB\n", "MemAvailable"));
}

namespace {

struct Run {
  FakePlatform fake;
  PodRequests requests;
  bool quick = false;

  explicit Run(const std::string& fixture_name) {
    capprobe::testing::load_fixture(fake, fixture_name);
  }
  CapabilityResult go() {
    ProbeContext ctx{fake, requests, quick, ".capprobe-1-test", std::chrono::steady_clock::now()};
    return resources_memory_limit_linux_probe().run(ctx);
  }
};

}  // namespace

TEST_CASE("memory_limit on a v1 container with 128 MiB: the child is OOM-killed",
          "[memory_limit]") {
  Run run("cg-v1-docker-cgroupns");
  run.fake.memory_trial = [&run](const platform::MemoryTrialPlan&) {
    // The kernel counts the kill in this cgroup's oom_control.
    run.fake.file("/sys/fs/cgroup/memory/memory.oom_control",
                  "oom_kill_disable 0\nunder_oom 0\noom_kill 1\n");
    return platform::Result<MemoryTrialOutcome>(ended(MemoryTrialEnd::killed, 112 * kMiB, 9));
  };
  const auto result = run.go();
  CHECK(result.id == "resources.memory_limit");
  CHECK(result.status == Status::supported);
  CHECK(result.observed == "enforced");
  const auto& e = result.evidence;
  CHECK(e["limit_bytes"] == k128);
  CHECK(e["limit_source"] == "cgroup_v1");
  CHECK(e["outcome"] == "oom_killed");
  CHECK(e["reached_bytes"] == 112 * kMiB);
  CHECK(e["oom_kill_before"] == 0);
  CHECK(e["oom_kill_after"] == 1);
  CHECK(e["usage_bytes"] == 8 * kMiB);
  CHECK(e["mem_available_bytes"] == 12000000ull * 1024);
  CHECK(e["trial"]["end"] == "killed");
  // The plan handed to the platform: limit + 2 steps, RLIMIT_AS above this process's VmSize.
  REQUIRE(run.fake.memory_trials_run.size() == 1);
  const auto& plan = run.fake.memory_trials_run[0];
  CHECK(plan.stop_at_bytes == k128 + 32 * kMiB);
  CHECK(plan.step_bytes == 16 * kMiB);
  CHECK(plan.address_space_limit == 102400ull * 1024 + k128 + 64 * kMiB);
  CHECK(plan.timeout == std::chrono::milliseconds(8000));
  CHECK(e["plan"]["stop_at_bytes"] == plan.stop_at_bytes);
}

TEST_CASE("memory_limit on a v2 pod with oom.group: approach only, never past the limit",
          "[memory_limit]") {
  Run run("cg-v2-pod-cgroupns");
  run.fake.memory_trial = [](const platform::MemoryTrialPlan& plan) {
    return platform::Result<MemoryTrialOutcome>(
        ended(MemoryTrialEnd::reached_target, plan.stop_at_bytes));
  };
  const auto result = run.go();
  CHECK(result.status == Status::untested);
  CHECK(result.evidence["outcome"] == "approach_only");
  CHECK(result.evidence["oom_group"] == true);
  REQUIRE(run.fake.memory_trials_run.size() == 1);
  const auto& plan = run.fake.memory_trials_run[0];
  // 256 MiB limit, 20 MiB in use: at most 256 - 20 - 32 MiB.
  CHECK(plan.stop_at_bytes == (256 - 20 - 32) * kMiB);
  CHECK(result.evidence["reached_bytes"] == plan.stop_at_bytes);
}

TEST_CASE("memory_limit without a limit runs no trial", "[memory_limit]") {
  Run run("cg-hybrid");
  const auto result = run.go();
  CHECK(result.status == Status::untested);
  CHECK(result.evidence["outcome"] == "not_run");
  CHECK(result.evidence["limit_bytes"].is_null());
  CHECK(result.evidence["limit_source"] == "none");
  CHECK(run.fake.memory_trials_run.empty());
}

TEST_CASE("memory_limit --quick runs no trial", "[memory_limit]") {
  Run run("cg-v1-docker-cgroupns");
  run.quick = true;
  const auto result = run.go();
  CHECK(result.evidence["outcome"] == "not_run");
  CHECK(result.evidence["limit_bytes"] == k128);
  CHECK(run.fake.memory_trials_run.empty());
}

TEST_CASE("memory_limit: a limit too big for the node is skipped", "[memory_limit]") {
  Run run("cg-v2-nested");  // 512 MiB limit
  run.fake.file("/proc/meminfo",
                "MemTotal: 2000000 kB\nMemAvailable: 900000 kB\nSwapTotal: 0 kB\n");
  const auto result = run.go();
  CHECK(result.evidence["outcome"] == "skipped_unsafe");
  CHECK(run.fake.memory_trials_run.empty());
}

TEST_CASE("memory_limit: swap available to the cgroup makes reaching the target not proof",
          "[memory_limit]") {
  Run run("cg-v2-nested");  // memory.swap.max is "max"
  run.fake.file("/proc/meminfo", "MemAvailable: 12000000 kB\nSwapTotal: 4000000 kB\n");
  run.fake.memory_trial = [](const platform::MemoryTrialPlan& plan) {
    return platform::Result<MemoryTrialOutcome>(
        ended(MemoryTrialEnd::reached_target, plan.stop_at_bytes));
  };
  const auto result = run.go();
  CHECK(result.observed == "swapping");
  CHECK(result.evidence["swap_limit"] == "max");
}
