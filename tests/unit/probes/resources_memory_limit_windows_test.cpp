// resources.memory_limit on Windows: the job's commit limits as the child meets them, the node's
// available memory, the gates and verdicts in a job's words, and the probe over the shapes of
// Windows Server 2019/2022 nodes (tests/unit/probes/win_resources_shapes.hpp) with a scripted
// child that commits until the job refuses.
#include <catch2/catch.hpp>

#include "platform/fake/fake_platform.hpp"
#include "probes/common/judge.hpp"
#include "probes/probe_list.hpp"
#include "probes/resources/memory_limit.hpp"
#include "probes/resources/memory_limit_windows.hpp"
#include "tests/unit/probes/win_resources_shapes.hpp"

using namespace capprobe;
using namespace capprobe::probes;
using namespace capprobe::testing::win;
using capprobe::platform::FakePlatform;
using capprobe::platform::MemoryTrialEnd;
using capprobe::platform::MemoryTrialOutcome;

TEST_CASE("a job's commit limits as the child meets them", "[memory_limit][windows]") {
  struct Row {
    const char* name;
    JobMemoryLimits limits;
    const char* scope;
    std::optional<std::uint64_t> bytes;
    std::optional<std::uint64_t> usage;
  };
  auto process_only = job_memory(std::nullopt, 100 * kMiB, kLimitProcessMemory);
  process_only.process_memory_limit = 300 * kMiB;
  // Both: 1 GiB for the job, of which 900 MiB are held, leaves less than the 300 MiB per process.
  auto both_job_binds = job_memory(1024 * kMiB, 900 * kMiB, kLimitProcessMemory);
  both_job_binds.process_memory_limit = 300 * kMiB;
  auto both_process_binds = job_memory(1024 * kMiB, 100 * kMiB, kLimitProcessMemory);
  both_process_binds.process_memory_limit = 300 * kMiB;
  auto both_usage_unknown = job_memory(1024 * kMiB, std::nullopt, kLimitProcessMemory);
  both_usage_unknown.process_memory_limit = 300 * kMiB;
  const Row rows[] = {
      {"no limit", job_memory(std::nullopt, 80 * kMiB), "none", std::nullopt, std::nullopt},
      {"JobMemoryLimit", job_memory(512 * kMiB, 150 * kMiB), "job", 512 * kMiB, 150 * kMiB},
      {"JobMemoryLimit, usage unknown", job_memory(512 * kMiB, std::nullopt), "job", 512 * kMiB,
       std::nullopt},
      {"ProcessMemoryLimit", process_only, "process", 300 * kMiB, 0u},
      {"both, the job's room is smaller", both_job_binds, "job", 1024 * kMiB, 900 * kMiB},
      {"both, the process limit is smaller", both_process_binds, "process", 300 * kMiB, 0u},
      {"both, usage unknown: the limits compare", both_usage_unknown, "process", 300 * kMiB, 0u},
  };
  for (const auto& row : rows) {
    INFO(row.name);
    const auto limit = job_memory_limit(row.limits);
    CHECK(limit.scope == row.scope);
    CHECK(limit.bytes == row.bytes);
    CHECK(limit.usage == row.usage);
  }
}

TEST_CASE("what the node can still give a committing child", "[memory_limit][windows]") {
  platform::MemoryStatus status;
  status.available_physical = 6 * kGiB;
  status.available_commit = 9 * kGiB;
  CHECK(windows_available(status) == 6 * kGiB);
  status.available_commit = 2 * kGiB;  // the page file is nearly used up
  CHECK(windows_available(status) == 2 * kGiB);
}

namespace {

MemoryFacts win(std::optional<std::uint64_t> limit, std::optional<std::uint64_t> usage,
                std::optional<std::uint64_t> requested = std::nullopt) {
  MemoryFacts facts;
  facts.terms = windows_memory_terms(true, "job");
  facts.limit_bytes = limit;
  facts.usage_bytes = usage;
  facts.mem_available = 20 * kGiB;
  facts.requested_bytes = requested;
  return facts;  // no backstop, no swap room, crossing is safe: Windows kills nobody
}

MemoryTrialOutcome ended(MemoryTrialEnd end, std::uint64_t reached, std::string detail = "") {
  MemoryTrialOutcome outcome;
  outcome.end = end;
  outcome.reached_bytes = reached;
  outcome.detail = std::move(detail);
  return outcome;
}

}  // namespace

TEST_CASE("the memory gates in a job's words", "[memory_limit][windows]") {
  // No RLIMIT_AS on Windows: the plan carries no backstop and needs no VmSize.
  const auto full = plan_memory_trial(win(512 * kMiB, 150 * kMiB));
  CHECK(full.outcome.empty());
  REQUIRE(full.trial);
  CHECK(full.trial->stop_at_bytes == 512 * kMiB + 32 * kMiB);
  CHECK(full.trial->address_space_limit == 0);
  CHECK(full.trial->step_bytes == 16 * kMiB);

  auto big = win(8 * kGiB, 1 * kGiB);
  big.mem_available = 6 * kGiB;
  const auto skipped = plan_memory_trial(big);
  CHECK(skipped.outcome == "skipped_unsafe");
  CHECK_FALSE(skipped.trial);
  CHECK(skipped.reason.find("more than half of the node's available memory") != std::string::npos);

  auto unknown = win(512 * kMiB, 150 * kMiB);
  unknown.mem_available = std::nullopt;
  CHECK(plan_memory_trial(unknown).outcome == "skipped_unsafe");
  CHECK(plan_memory_trial(win(std::nullopt, 80 * kMiB)).outcome == "not_run");
}

TEST_CASE("the memory verdict in a job's words", "[memory_limit][windows]") {
  struct Row {
    const char* name;
    MemoryFacts facts;
    std::optional<MemoryTrialOutcome> outcome;
    std::optional<bool> requested;
    Status status;
    const char* observed;
    const char* outcome_word;
    const char* summary_has;
  };
  auto per_process = win(300 * kMiB, 0);
  per_process.terms = windows_memory_terms(true, "process");
  auto no_job = win(std::nullopt, std::nullopt, 512 * kMiB);
  no_job.terms = windows_memory_terms(false, "none");
  auto in_vm = win(std::nullopt, std::nullopt, 512 * kMiB);
  in_vm.limit_unseen =
      "in a Hyper-V utility VM the limit may be the VM's own memory size (1024 MiB), which no job "
      "object shows";
  const Row rows[] = {
      {"the commit fails at the limit", win(512 * kMiB, 150 * kMiB, 512 * kMiB),
       ended(MemoryTrialEnd::alloc_failed, 352 * kMiB, "ERROR_COMMITMENT_LIMIT"), true,
       Status::supported, "enforced", "alloc_failed",
       "the limit is enforced by allocation failure (ERROR_COMMITMENT_LIMIT): the child held 352 "
       "MiB, the limit of 512 MiB, job commit before 150 MiB"},
      {"the commit fails far below", win(512 * kMiB, 150 * kMiB),
       ended(MemoryTrialEnd::alloc_failed, 96 * kMiB, "ERROR_NOT_ENOUGH_MEMORY"), std::nullopt,
       Status::untested, "inconclusive", "alloc_failed", "well below the limit"},
      {"job commit unknown, failing far below is no proof", win(512 * kMiB, std::nullopt),
       ended(MemoryTrialEnd::alloc_failed, 352 * kMiB, "ERROR_COMMITMENT_LIMIT"), std::nullopt,
       Status::untested, "inconclusive", "alloc_failed", "job commit before unknown"},
      {"the child committed past the limit", win(512 * kMiB, 150 * kMiB, 512 * kMiB),
       ended(MemoryTrialEnd::reached_target, 544 * kMiB), true, Status::unsupported, "not_enforced",
       "not_enforced", "REQUESTED BUT IGNORED: resources.limits.memory"},
      {"a per-process limit", per_process,
       ended(MemoryTrialEnd::alloc_failed, 288 * kMiB, "ERROR_COMMITMENT_LIMIT"), std::nullopt,
       Status::supported, "enforced", "alloc_failed",
       "the child's own commit (a per-process limit) before 0 MiB"},
      {"no limit, one requested", win(std::nullopt, 80 * kMiB, 512 * kMiB), std::nullopt, true,
       Status::unsupported, "no_limit", "not_run",
       "no memory limit is configured in this process's job object (512 MiB was requested)"},
      {"in no job, one requested", no_job, std::nullopt, true, Status::unsupported, "no_limit",
       "not_run", "any job object (this process is in none)"},
      {"a utility VM without a job limit", in_vm, std::nullopt, true, Status::untested, "unknown",
       "not_run", "the VM's own memory size"},
      {"the pod spec and the job differ", win(256 * kMiB, 40 * kMiB, 512 * kMiB),
       ended(MemoryTrialEnd::alloc_failed, 208 * kMiB, "ERROR_COMMITMENT_LIMIT"), true,
       Status::supported, "enforced", "alloc_failed",
       "the pod spec requested 512 MiB, the job object says 256 MiB"},
  };
  for (const auto& row : rows) {
    INFO(row.name);
    const auto plan = plan_memory_trial(row.facts);
    TrialReport trial;
    trial.outcome = row.outcome;
    CapabilityResult result;
    result.requested = row.requested;
    judge_memory_limit(row.facts, plan, trial, result);
    INFO(result.summary);
    CHECK(result.status == row.status);
    CHECK(result.observed == row.observed);
    CHECK(result.evidence["outcome"] == row.outcome_word);
    CHECK(result.summary.find(row.summary_has) != std::string::npos);
    CHECK(result.summary.find("cgroup") == std::string::npos);
    CHECK(result.summary.find("OOM") == std::string::npos);
  }
}

TEST_CASE("the memory judge refuses facts without an OS's words", "[memory_limit][windows]") {
  MemoryFacts facts;
  CapabilityResult result;
  CHECK_THROWS_AS(judge_memory_limit(facts, plan_memory_trial(facts), TrialReport{}, result),
                  std::logic_error);
}

namespace {

struct Run {
  FakePlatform fake;
  PodRequests requests;
  bool quick = false;
  std::string isolation;

  explicit Run(const Shape& shape) : isolation(shape.isolation) { apply(fake, shape); }
  void limit(std::uint64_t bytes) {
    requests.from_pod_spec = true;
    requests.memory_limit_bytes = bytes;
  }
  // The child commits in steps until the job's limit refuses one, as VirtualAlloc(MEM_COMMIT)
  // does: it holds whole steps up to the room the job leaves.
  void child_commits_until(std::uint64_t room) {
    fake.memory_trial = [room](const platform::MemoryTrialPlan& plan) {
      std::uint64_t held = 0;
      while (held + plan.step_bytes <= std::min(room, plan.stop_at_bytes)) held += plan.step_bytes;
      const auto end = held + plan.step_bytes > room && held < plan.stop_at_bytes
                           ? MemoryTrialEnd::alloc_failed
                           : MemoryTrialEnd::reached_target;
      return platform::Result<MemoryTrialOutcome>(
          ended(end, held, end == MemoryTrialEnd::alloc_failed ? "ERROR_COMMITMENT_LIMIT" : ""));
    };
  }
  CapabilityResult go() {
    ProbeContext ctx{fake, requests, quick, ".capprobe-1-test", std::chrono::steady_clock::now()};
    ctx.isolation = testing::win::isolation(isolation);
    return resources_memory_limit_windows_probe().run(ctx);
  }
};

}  // namespace

TEST_CASE("memory_limit on Windows: the catalog entry is the Linux one",
          "[memory_limit][windows]") {
  const auto windows_info = resources_memory_limit_windows_probe().info;
  CHECK(windows_info.id == "resources.memory_limit");
  CHECK(windows_info.platforms == resources_memory_limit_linux_probe().info.platforms);
  CHECK(windows_info.platforms == std::vector<std::string>{"linux", "windows"});
  CHECK(windows_info.cost == Cost::heavy);
}

TEST_CASE("memory_limit on a WS2019 process-isolated container: the job refuses the commit",
          "[memory_limit][windows]") {
  Run run(ws2019_process_isolated());
  run.limit(512 * kMiB);
  run.child_commits_until(512 * kMiB - 150 * kMiB);  // what the silo's processes leave
  const auto result = run.go();
  INFO(result.summary);
  CHECK(result.id == "resources.memory_limit");
  CHECK(result.status == Status::supported);
  CHECK(result.observed == "enforced");
  CHECK(result.requested == true);
  const auto& e = result.evidence;
  CHECK(e["limit_bytes"] == 512 * kMiB);
  CHECK(e["limit_source"] == "job_object");
  CHECK(e["limit_scope"] == "job");
  CHECK(e["outcome"] == "alloc_failed");
  CHECK(e["reached_bytes"] == 352 * kMiB);
  CHECK(e["usage_bytes"] == 150 * kMiB);
  CHECK(e["job_memory"]["limit_flags"] == kLimitJobMemory);
  CHECK(e["trial"]["end"] == "alloc_failed");
  CHECK(e["trial"]["detail"] == "ERROR_COMMITMENT_LIMIT");
  // The child is planned to limit + margin, with no RLIMIT_AS to set.
  REQUIRE(run.fake.memory_trials_run.size() == 1);
  CHECK(run.fake.memory_trials_run[0].stop_at_bytes == 544 * kMiB);
  CHECK(run.fake.memory_trials_run[0].address_space_limit == 0);
  CHECK(e["plan"]["mode"] == "cross_limit");
}

TEST_CASE("memory_limit on a WS2022 HostProcess pod: the job's 256 MiB hold",
          "[memory_limit][windows]") {
  Run run(ws2022_hostprocess());
  run.limit(256 * kMiB);
  run.child_commits_until(256 * kMiB - 40 * kMiB);
  const auto result = run.go();
  INFO(result.summary);
  CHECK(result.status == Status::supported);
  CHECK(result.evidence["outcome"] == "alloc_failed");
  CHECK(result.evidence["job_memory"]["limit_flags"] == (kLimitJobMemory | kLimitKillOnJobClose));
  CHECK(result.evidence["mem_available_bytes"] == 40 * kGiB);
}

TEST_CASE("memory_limit on Windows: a child that commits past the limit shows it ignored",
          "[memory_limit][windows]") {
  Run run(ws2019_process_isolated());
  run.limit(512 * kMiB);
  run.child_commits_until(8 * kGiB);  // nothing stops it
  const auto result = run.go();
  INFO(result.summary);
  CHECK(result.status == Status::unsupported);
  CHECK(result.requested_but_ignored());
  CHECK(result.evidence["outcome"] == "not_enforced");
  CHECK(result.evidence["reached_bytes"] == 544 * kMiB);
}

TEST_CASE("memory_limit in a Hyper-V-isolated container: a limit near the VM's size is not crossed",
          "[memory_limit][windows]") {
  // The job inside the utility VM has the 512 MiB limit, but 512 MiB + margin is more than half of
  // the 700 MiB the VM has left: no trial where it could push the VM into paging.
  Run run(hyperv_isolated());
  run.limit(512 * kMiB);
  run.child_commits_until(512 * kMiB - 120 * kMiB);
  const auto result = run.go();
  INFO(result.summary);
  CHECK(result.status == Status::untested);
  CHECK(result.evidence["outcome"] == "skipped_unsafe");
  CHECK(result.evidence["limit_bytes"] == 512 * kMiB);
  CHECK(result.evidence["total_physical_bytes"] == 1 * kGiB);
  CHECK(run.fake.memory_trials_run.empty());
}

TEST_CASE("memory_limit in a Hyper-V utility VM whose job shows no limit: unknown, not ignored",
          "[memory_limit][windows]") {
  auto shape = hyperv_isolated();
  shape.job = in_job(hard_cap(625), job_memory(std::nullopt, 120 * kMiB));
  Run run(shape);
  run.limit(512 * kMiB);
  const auto result = run.go();
  INFO(result.summary);
  CHECK(result.status == Status::untested);
  CHECK(result.observed == "unknown");
  CHECK_FALSE(result.requested_but_ignored());
  CHECK(result.summary.find("the VM's own memory size (1024 MiB)") != std::string::npos);
  CHECK(run.fake.memory_trials_run.empty());
}

TEST_CASE("memory_limit on a Windows container without a job limit: requested but ignored",
          "[memory_limit][windows]") {
  auto shape = ws2019_process_isolated();
  shape.job = in_job(hard_cap(625), job_memory(std::nullopt, 150 * kMiB));
  Run run(shape);
  run.limit(512 * kMiB);
  const auto result = run.go();
  INFO(result.summary);
  CHECK(result.requested_but_ignored());
  CHECK(result.observed == "no_limit");
  CHECK(result.evidence["limit_bytes"].is_null());
  CHECK(result.evidence["limit_source"] == "none");
  CHECK(result.evidence["outcome"] == "not_run");
  CHECK(run.fake.memory_trials_run.empty());
}

TEST_CASE("memory_limit on Windows: a limit too big for the node is skipped",
          "[memory_limit][windows]") {
  auto shape = ws2019_two_groups();  // 1 GiB limit
  shape.memory = memory_status(4 * kGiB, 1500 * kMiB);
  Run run(shape);
  const auto result = run.go();
  CHECK(result.evidence["outcome"] == "skipped_unsafe");
  CHECK(result.evidence["mem_available_bytes"] == 1500 * kMiB);
  CHECK(run.fake.memory_trials_run.empty());
}

TEST_CASE("memory_limit on Windows: unknown available memory runs nothing",
          "[memory_limit][windows]") {
  Run run(ws2019_process_isolated());
  run.fake.windows.memory = platform::fake_error("ERROR_ACCESS_DENIED", "GlobalMemoryStatusEx");
  const auto result = run.go();
  CHECK(result.evidence["outcome"] == "skipped_unsafe");
  CHECK(result.evidence["memory_status_errno"] == "ERROR_ACCESS_DENIED");
  CHECK(run.fake.memory_trials_run.empty());
}

TEST_CASE("memory_limit on Windows: an unreadable job is an unknown limit",
          "[memory_limit][windows]") {
  SECTION("the job") {
    Run run(ws2019_process_isolated());
    run.fake.windows.job = platform::fake_error("ERROR_ACCESS_DENIED", "QueryInformationJobObject");
    run.limit(512 * kMiB);
    const auto result = run.go();
    INFO(result.summary);
    CHECK(result.observed == "unknown");
    CHECK(result.evidence["job_errno"] == "ERROR_ACCESS_DENIED");
    CHECK_FALSE(result.requested_but_ignored());
  }
  SECTION("its extended limits") {
    auto shape = ws2019_process_isolated();
    shape.job.memory =
        platform::fake_error("ERROR_ACCESS_DENIED", "JobObjectExtendedLimitInformation");
    Run run(shape);
    const auto result = run.go();
    CHECK(result.observed == "unknown");
    CHECK(result.evidence["job_memory_errno"] == "ERROR_ACCESS_DENIED");
  }
}

TEST_CASE("memory_limit on Windows --quick runs no child", "[memory_limit][windows]") {
  Run run(ws2022_hostprocess());
  run.quick = true;
  const auto result = run.go();
  CHECK(result.observed == "configured");
  CHECK(result.evidence["outcome"] == "not_run");
  CHECK(result.evidence["limit_bytes"] == 256 * kMiB);
  CHECK(run.fake.memory_trials_run.empty());
}

TEST_CASE("memory_limit on Windows: a child that cannot start is an error",
          "[memory_limit][windows]") {
  Run run(ws2019_process_isolated());
  run.fake.memory_trial = [](const platform::MemoryTrialPlan&) {
    return platform::Result<MemoryTrialOutcome>(
        platform::fake_error("ERROR_ACCESS_DENIED", "CreateProcessW"));
  };
  const auto result = run.go();
  CHECK(result.status == Status::error);
  CHECK(result.evidence["trial_errno"] == "ERROR_ACCESS_DENIED");
}
