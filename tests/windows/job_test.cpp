// The job facts of this process, in a job object the test makes with a CPU rate and commit
// limits and puts this process in. A process cannot leave a job, so the limits are cleared when
// a test ends (ctest runs each test case in a process of its own anyway). Wine keeps jobs but
// implements neither CPU rate control nor memory limits: those tests say so in their names, and
// the fake platform's unit tests carry what Windows shows (tests/unit/probes/*windows*).
#include <windows.h>

#include <catch2/catch.hpp>
#include <string>

#include "platform/windows/sdk_extras.hpp"
#include "platform/windows/windows_platform.hpp"
#include "tests/windows/windows_test_support.hpp"

using namespace capprobe::platform;
using namespace std::chrono_literals;
using capprobe::testing::report_skip;
using capprobe::testing::wine_version;

namespace {

constexpr std::uint64_t kMiB = 1ull << 20;

// A job of the test's own with this process in it; its limits are lifted at the end.
class OwnJob {
 public:
  OwnJob() : job_(::CreateJobObjectW(nullptr, nullptr)) {
    REQUIRE(job_ != nullptr);
    REQUIRE(::AssignProcessToJobObject(job_, ::GetCurrentProcess()));
  }
  ~OwnJob() {
    JOBOBJECT_EXTENDED_LIMIT_INFORMATION none{};
    ::SetInformationJobObject(job_, JobObjectExtendedLimitInformation, &none, sizeof none);
    JOBOBJECT_CPU_RATE_CONTROL_INFORMATION no_rate{};
    ::SetInformationJobObject(job_, JobObjectCpuRateControlInformation, &no_rate, sizeof no_rate);
    ::CloseHandle(job_);
  }
  OwnJob(const OwnJob&) = delete;
  OwnJob& operator=(const OwnJob&) = delete;

  // SetInformationJobObject's answer: TRUE, or the error it left.
  DWORD set_cpu_rate(DWORD flags, DWORD rate) {
    win32::sdk::JobCpuRateControlInformation info{};
    info.ControlFlags = flags;
    info.CpuRate = rate;
    return set(JobObjectCpuRateControlInformation, &info, sizeof info);
  }
  DWORD set_min_max(WORD min_rate, WORD max_rate) {
    win32::sdk::JobCpuRateControlInformation info{};
    info.ControlFlags = JOB_OBJECT_CPU_RATE_CONTROL_ENABLE | win32::sdk::kCpuRateControlMinMaxRate;
    info.MinMax.MinRate = min_rate;
    info.MinMax.MaxRate = max_rate;
    return set(JobObjectCpuRateControlInformation, &info, sizeof info);
  }
  DWORD set_memory(std::uint64_t job_limit, std::uint64_t process_limit) {
    JOBOBJECT_EXTENDED_LIMIT_INFORMATION info{};
    if (job_limit != 0) {
      info.BasicLimitInformation.LimitFlags |= JOB_OBJECT_LIMIT_JOB_MEMORY;
      info.JobMemoryLimit = job_limit;
    }
    if (process_limit != 0) {
      info.BasicLimitInformation.LimitFlags |= JOB_OBJECT_LIMIT_PROCESS_MEMORY;
      info.ProcessMemoryLimit = process_limit;
    }
    return set(JobObjectExtendedLimitInformation, &info, sizeof info);
  }

 private:
  DWORD set(JOBOBJECTINFOCLASS kind, void* info, DWORD size) {
    return ::SetInformationJobObject(job_, kind, info, size) ? ERROR_SUCCESS : ::GetLastError();
  }
  HANDLE job_;
};

bool in_some_job() {
  BOOL in_job = FALSE;
  return ::IsProcessInJob(::GetCurrentProcess(), nullptr, &in_job) && in_job;
}

}  // namespace

TEST_CASE("job: outside any job, in_job is false and the defaults say no rate and no limit") {
  if (in_some_job()) return report_skip("this process runs in a job (a CI runner's?)");
  const auto job = WindowsPlatform().job();
  REQUIRE(job.ok());
  CHECK_FALSE(job.value().in_job);
  REQUIRE(job.value().cpu_rate.ok());
  CHECK_FALSE(job.value().cpu_rate.value().enabled);
  REQUIRE(job.value().memory.ok());
  CHECK_FALSE(job.value().memory.value().job_memory_limit.has_value());
}

TEST_CASE("job under Wine: in a job, CPU rate control is not implemented, limits read back unset") {
  if (!wine_version()) return report_skip("a Wine behaviour; Windows keeps the job's limits");
  OwnJob own;
  // Wine refuses to set a CPU rate, and answers the query with the same error.
  CHECK(own.set_cpu_rate(JOB_OBJECT_CPU_RATE_CONTROL_ENABLE | JOB_OBJECT_CPU_RATE_CONTROL_HARD_CAP,
                         5000) == ERROR_INVALID_PARAMETER);
  // Wine accepts commit limits, keeps none, and so enforces none.
  CHECK(own.set_memory(256 * kMiB, 128 * kMiB) == ERROR_SUCCESS);
  const auto job = WindowsPlatform().job();
  REQUIRE(job.ok());
  CHECK(job.value().in_job);
  REQUIRE_FALSE(job.value().cpu_rate.ok());
  CHECK(job.value().cpu_rate.error().name == "ERROR_INVALID_PARAMETER");
  REQUIRE(job.value().memory.ok());
  const auto& memory = job.value().memory.value();
  CHECK(memory.limit_flags == 0);
  CHECK_FALSE(memory.job_memory_limit.has_value());
  CHECK_FALSE(memory.process_memory_limit.has_value());
  CHECK_FALSE(memory.job_memory_used.has_value());  // JobObjectMemoryUsageInformation: unknown
}

TEST_CASE("job on Windows: the CPU rate and commit limits set on this job read back as set") {
  if (const auto wine = wine_version()) {
    return report_skip("Wine " + *wine + " implements neither CPU rate control nor job limits");
  }
  OwnJob own;
  WindowsPlatform os;
  // A hard cap of a quarter of all processors, in 1/10,000.
  REQUIRE(own.set_cpu_rate(
              JOB_OBJECT_CPU_RATE_CONTROL_ENABLE | JOB_OBJECT_CPU_RATE_CONTROL_HARD_CAP, 2500) ==
          ERROR_SUCCESS);
  REQUIRE(own.set_memory(1024 * kMiB, 512 * kMiB) == ERROR_SUCCESS);
  auto job = os.job();
  REQUIRE(job.ok());
  CHECK(job.value().in_job);
  REQUIRE(job.value().cpu_rate.ok());
  const auto rate = job.value().cpu_rate.value();
  CHECK(rate.control_flags ==
        (JOB_OBJECT_CPU_RATE_CONTROL_ENABLE | JOB_OBJECT_CPU_RATE_CONTROL_HARD_CAP));
  CHECK(rate.enabled);
  CHECK(rate.hard_cap);
  CHECK_FALSE(rate.weight_based);
  CHECK(rate.cpu_rate == 2500);
  REQUIRE(job.value().memory.ok());
  const auto& memory = job.value().memory.value();
  CHECK(memory.job_memory_limit == 1024 * kMiB);
  CHECK(memory.process_memory_limit == 512 * kMiB);
  REQUIRE(memory.job_memory_used.has_value());
  CHECK(*memory.job_memory_used > 0);  // this process's own commit counts from its assignment
  CHECK(memory.peak_job_memory_used >= *memory.job_memory_used);

  // A weight, then a minimum and maximum rate: the same word of the union, read by the flags.
  REQUIRE(own.set_cpu_rate(
              JOB_OBJECT_CPU_RATE_CONTROL_ENABLE | JOB_OBJECT_CPU_RATE_CONTROL_WEIGHT_BASED, 7) ==
          ERROR_SUCCESS);
  job = os.job();
  REQUIRE(job.ok());
  CHECK(job.value().cpu_rate.value().weight_based);
  CHECK(job.value().cpu_rate.value().weight == 7);
  CHECK(job.value().cpu_rate.value().cpu_rate == 0);
  REQUIRE(own.set_min_max(1000, 6000) == ERROR_SUCCESS);
  job = os.job();
  REQUIRE(job.ok());
  CHECK(job.value().cpu_rate.value().min_max);
  CHECK(job.value().cpu_rate.value().min_rate == 1000);
  CHECK(job.value().cpu_rate.value().max_rate == 6000);
}

TEST_CASE("run_memory_trial under Wine: a job's commit limit is not enforced, the target is met") {
  if (!wine_version()) return report_skip("a Wine behaviour; Windows enforces the limit");
  OwnJob own;
  REQUIRE(own.set_memory(64 * kMiB, 0) == ERROR_SUCCESS);
  MemoryTrialPlan plan;
  plan.stop_at_bytes = 128 * kMiB;
  plan.step_bytes = 16 * kMiB;
  plan.timeout = 60'000ms;
  const auto trial = WindowsPlatform().run_memory_trial(plan);
  REQUIRE(trial.ok());
  CHECK(trial.value().end == MemoryTrialEnd::reached_target);
  CHECK(trial.value().reached_bytes == 128 * kMiB);
}

TEST_CASE("run_memory_trial on Windows: the child stays in the job and its commit is refused") {
  if (const auto wine = wine_version()) {
    return report_skip("Wine " + *wine + " does not enforce a job's memory limits");
  }
  OwnJob own;
  WindowsPlatform os;
  // 64 MiB beyond what this process holds now: the child's steps fail before 64 MiB, its own
  // image and heap counting too.
  const auto before = os.job();
  REQUIRE(before.ok());
  REQUIRE(before.value().memory.ok());
  REQUIRE(before.value().memory.value().job_memory_used.has_value());
  const auto used = *before.value().memory.value().job_memory_used;
  REQUIRE(own.set_memory(used + 64 * kMiB, 0) == ERROR_SUCCESS);
  MemoryTrialPlan plan;
  plan.stop_at_bytes = 256 * kMiB;
  plan.step_bytes = 4 * kMiB;
  plan.timeout = 60'000ms;
  const auto trial = os.run_memory_trial(plan);
  REQUIRE(trial.ok());
  INFO(trial.value().detail);
  CHECK(trial.value().end == MemoryTrialEnd::alloc_failed);
  CHECK((trial.value().detail == "ERROR_COMMITMENT_LIMIT" ||
         trial.value().detail == "ERROR_NOT_ENOUGH_MEMORY"));
  CHECK(trial.value().reached_bytes < 64 * kMiB);
  CHECK(trial.value().reached_bytes >= 32 * kMiB);
}
