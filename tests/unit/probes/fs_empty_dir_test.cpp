// fs.empty_dir: medium (disk or memory), sizeLimit configured and enforced (the tmpfs's size,
// and a bounded write just past the free space, never past the limit and the margin, never for
// a large limit or on disk), writable, and every verdict.
#include <catch2/catch.hpp>

#include "probes/common/judge.hpp"
#include "probes/fs/empty_dir.hpp"
#include "probes/probe_list.hpp"
#include "tests/unit/probes/fs_test_support.hpp"

using capprobe::platform::FakePlatform;
using capprobe::platform::FsInfo;
using capprobe::probes::EmptyDirRequest;
using capprobe::probes::PodRequests;
using capprobe::probes::Status;
using capprobe::probes::VolumeMountRequest;
using capprobe::probes::fs::kLimitTrialMargin;
using capprobe::testing::context_for;

namespace {

constexpr std::uint64_t kMiB = 1ull << 20;
constexpr std::uint64_t kTmpfs = 0x01021994;

PodRequests spec_with(std::vector<EmptyDirRequest> volumes) {
  PodRequests requests;
  requests.from_pod_spec = true;
  requests.container_name = "app";
  requests.volume_mounts = std::vector<VolumeMountRequest>{};
  for (const auto& volume : volumes)
    requests.volume_mounts->push_back({volume.volume, volume.mount_path, "", volume.read_only});
  requests.empty_dirs = std::move(volumes);
  requests.read_only_mounts = std::vector<std::string>{};
  return requests;
}

capprobe::probes::CapabilityResult run(FakePlatform& os, const PodRequests& requests,
                                       bool quick = false) {
  const auto probe = capprobe::probes::fs_empty_dir_linux_probe();
  auto ctx = context_for(os, requests);
  ctx.quick = quick;
  return probe.run(ctx);
}

// A memory emptyDir at /cache: a tmpfs of `size` bytes with `free` of them free.
FakePlatform& memory_volume(FakePlatform& os, std::uint64_t size, std::uint64_t free) {
  os.file("/proc/self/mountinfo",
          "20 1 0:30 / / rw - overlay overlay rw\n"
          "31 20 0:51 / /cache rw,nosuid,nodev - tmpfs tmpfs rw,size=" +
              std::to_string(size / 1024) + "k\n")
      .dir("/cache")
      .fs("/cache", FsInfo{false, kTmpfs, size, free});
  return os;
}

}  // namespace

TEST_CASE("fs.empty_dir without an emptyDir is untested, and says why") {
  FakePlatform os;
  os.file("/proc/self/mountinfo", "20 1 0:30 / / rw - overlay overlay rw\n");
  const auto result = run(os, {});
  CHECK(result.status == Status::untested);
  CHECK(result.observed == "none");
  const auto asked_none = run(os, spec_with({}));
  CHECK(asked_none.requested == false);
  CHECK_THAT(asked_none.summary, Catch::Contains("mounts none"));
}

TEST_CASE("fs.empty_dir: a memory emptyDir sized to its sizeLimit, shown by a write past it") {
  FakePlatform os;
  memory_volume(os, 8 * kMiB, 6 * kMiB);
  const auto before = os.entry_count();
  const auto result = run(os, spec_with({{"cache", "/cache", "Memory", 8 * kMiB, false, false}}));
  INFO(result.summary);
  CHECK(result.status == Status::supported);
  CHECK(result.observed == "size_enforced");
  CHECK(result.requested == true);
  const auto& volume = result.evidence["volumes"][0];
  CHECK(volume["medium_seen"] == "memory");
  CHECK(volume["limit_enforcement"] == "filesystem");
  CHECK(volume["trial_bytes"] == 6 * kMiB + kLimitTrialMargin);  // the free space and the margin
  CHECK(volume["trial_written"] == 6 * kMiB);
  CHECK(volume["trial_stopped_by"] == "ENOSPC");
  CHECK(volume["writable"] == true);
  REQUIRE(os.fills_run.size() == 1);
  CHECK(os.fills_run[0].second <= 8 * kMiB + kLimitTrialMargin);
  CHECK(os.entry_count() == before);  // both files removed
}

TEST_CASE("fs.empty_dir never runs the limit trial past its bounds") {
  FakePlatform os;
  SECTION("a limit above the safe bound: the tmpfs's size alone") {
    memory_volume(os, 256 * kMiB, 200 * kMiB);
    const auto result =
        run(os, spec_with({{"cache", "/cache", "Memory", 256 * kMiB, false, false}}));
    CHECK(result.observed == "size_enforced");
    CHECK(os.fills_run.empty());
    CHECK_THAT(result.evidence["volumes"][0]["trial_skipped"].get<std::string>(),
               Catch::Contains("above the"));
  }
  SECTION("a container memory limit without room for it") {
    memory_volume(os, 8 * kMiB, 8 * kMiB);
    auto requests = spec_with({{"cache", "/cache", "Memory", 8 * kMiB, false, false}});
    requests.memory_limit_bytes = 16 * kMiB;
    const auto result = run(os, requests);
    CHECK(os.fills_run.empty());
    CHECK(result.observed == "size_enforced");
  }
  SECTION("--quick") {
    memory_volume(os, 8 * kMiB, 8 * kMiB);
    run(os, spec_with({{"cache", "/cache", "Memory", 8 * kMiB, false, false}}), true);
    CHECK(os.fills_run.empty());
  }
  SECTION("a disk emptyDir: the kubelet evicts, so nothing is written past its limit") {
    os.file("/proc/self/mountinfo",
            "20 1 0:30 / / rw - overlay overlay rw\n"
            "31 20 8:1 /var/lib/kubelet/pods/u/volumes/kubernetes.io~empty-dir/scratch /scratch "
            "rw - ext4 /dev/sda1 rw\n")
        .dir("/scratch");
    const auto result = run(os, spec_with({{"scratch", "/scratch", "", 64 * kMiB, false, false}}));
    CHECK(os.fills_run.empty());
    CHECK(result.status == Status::supported);
    CHECK(result.observed == "writable");
    CHECK(result.evidence["volumes"][0]["limit_enforcement"] == "eviction");
    CHECK_THAT(result.evidence["volumes"][0]["trial_skipped"].get<std::string>(),
               Catch::Contains("evicted"));
  }
}

TEST_CASE("fs.empty_dir: medium Memory on disk is requested but ignored") {
  FakePlatform os;
  os.file("/proc/self/mountinfo",
          "20 1 0:30 / / rw - overlay overlay rw\n"
          "31 20 8:1 /kata/share/cache /cache rw - virtiofs kataShared rw\n")
      .dir("/cache");
  const auto result =
      run(os, spec_with({{"cache", "/cache", "Memory", std::nullopt, false, false}}));
  CHECK(result.status == Status::unsupported);
  CHECK(result.observed == "medium_ignored");
  CHECK(result.requested_but_ignored());
}

TEST_CASE("fs.empty_dir: a tmpfs larger than the sizeLimit is partial") {
  FakePlatform os;
  memory_volume(os, 1024 * kMiB, 1000 * kMiB);
  const auto result = run(os, spec_with({{"cache", "/cache", "Memory", 8 * kMiB, false, false}}));
  CHECK(result.status == Status::partial);
  CHECK(result.observed == "size_unenforced");
  CHECK(result.evidence["volumes"][0]["limit_enforcement"] == "not_by_filesystem");
  CHECK(os.fills_run.empty());
}

TEST_CASE("fs.empty_dir: a trial that writes past the free space without an error is partial") {
  FakePlatform os;
  memory_volume(os, 8 * kMiB, 6 * kMiB);
  // The filesystem takes more than statfs says it has: the limit did not hold.
  os.fs("/cache", FsInfo{false, kTmpfs, 8 * kMiB, 6 * kMiB});
  class Generous : public capprobe::testing::ForwardingPlatform {
   public:
    using ForwardingPlatform::ForwardingPlatform;
    Result<capprobe::platform::FillOutcome> fill_file(const std::string& path,
                                                      std::uint64_t bytes) override {
      fake_.create_file_exclusive(path, "");
      return capprobe::platform::FillOutcome{bytes, std::nullopt};
    }
  } generous(os);
  const auto requests = spec_with({{"cache", "/cache", "Memory", 8 * kMiB, false, false}});
  auto ctx = context_for(generous, requests);
  const auto result = capprobe::probes::fs_empty_dir_linux_probe().run(ctx);
  CHECK(result.status == Status::partial);
  CHECK(result.observed == "size_unenforced");
  CHECK_THAT(result.summary, Catch::Contains("were written"));
}

TEST_CASE("fs.empty_dir: missing, not writable, read-only asked") {
  FakePlatform os;
  os.file("/proc/self/mountinfo", "20 1 0:30 / / rw - overlay overlay rw\n");
  SECTION("nothing at the mountPath") {
    const auto result = run(os, spec_with({{"cache", "/cache", "", std::nullopt, false, false}}));
    CHECK(result.status == Status::unsupported);
    CHECK(result.observed == "missing");
    CHECK(result.requested == false);  // a plain emptyDir asks for nothing special
  }
  SECTION("a create that fails") {
    os.dir("/cache").fail("create_file_exclusive", "/cache/.capprobe-4242-test-emptydir", "EROFS");
    const auto result = run(os, spec_with({{"cache", "/cache", "", std::nullopt, false, false}}));
    CHECK(result.status == Status::unsupported);
    CHECK(result.observed == "not_writable");
  }
  SECTION("read-only asked: nothing written") {
    os.dir("/cache");
    const auto before = os.entry_count();
    const auto result = run(os, spec_with({{"cache", "/cache", "", std::nullopt, true, false}}));
    CHECK(result.status == Status::supported);
    CHECK(result.observed == "writable");
    CHECK(result.evidence["volumes"][0]["writable"].is_null());
    CHECK(os.entry_count() == before);
  }
}

TEST_CASE("fs.empty_dir without a pod spec finds kubelet's disk emptyDirs") {
  FakePlatform os;
  os.file("/proc/self/mountinfo",
          "20 1 0:30 / / rw - overlay overlay rw\n"
          "31 20 8:1 /var/lib/kubelet/pods/u/volumes/kubernetes.io~empty-dir/scratch /scratch "
          "rw - ext4 /dev/sda1 rw\n")
      .dir("/scratch");
  const auto result = run(os, {});
  CHECK(result.status == Status::supported);
  CHECK(result.observed == "writable");
  CHECK(result.evidence["volumes"][0]["origin"] == "mountinfo");
  CHECK(result.evidence["volumes"][0]["medium_seen"] == "disk");
}

TEST_CASE("fs.empty_dir on Windows: the pod spec's volume, written to, its medium unknown") {
  FakePlatform os;
  os.dir("/wincache");
  const auto requests = spec_with({{"cache", "/wincache", "", std::nullopt, false, false}});
  auto ctx = context_for(os, requests);
  const auto result = capprobe::probes::fs_empty_dir_windows_probe().run(ctx);
  CHECK(result.status == Status::supported);
  CHECK(result.observed == "writable");
  CHECK(result.evidence["volumes"][0]["medium_seen"].is_null());
}
