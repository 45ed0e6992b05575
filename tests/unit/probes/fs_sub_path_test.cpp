// fs.subpath: the pod spec's subPath mounts and the mount table's binds of a subdirectory, the
// write through the subPath seen (or not) in the volume's subdirectory, and every verdict.
#include <catch2/catch.hpp>

#include "probes/common/judge.hpp"
#include "probes/fs/sub_path.hpp"
#include "probes/probe_list.hpp"
#include "tests/unit/probes/fs_test_support.hpp"

using capprobe::platform::FakePlatform;
using capprobe::probes::PodRequests;
using capprobe::probes::Status;
using capprobe::probes::SubPathRequest;
using capprobe::probes::VolumeMountRequest;
using capprobe::testing::context_for;

namespace {

const std::string kIgnored(capprobe::probes::kIgnoredPrefix);

// A tmpfs volume at /vol (its root) and a bind of its directory "sub" at /sub: one device.
const std::string kMountinfo =
    "20 1 0:30 / / rw,relatime - overlay overlay rw\n"
    "31 20 0:50 / /vol rw,relatime - tmpfs tmpfs rw\n"
    "32 20 0:50 /sub /sub rw,relatime - tmpfs tmpfs rw\n";

// The pod spec: volume "data" mounted whole at /vol and through subPath "sub" at /sub.
PodRequests spec_with_sub_path(bool read_only = false) {
  PodRequests requests;
  requests.from_pod_spec = true;
  requests.container_name = "app";
  requests.sub_paths = std::vector<SubPathRequest>{{"data", "/sub", "sub", false, read_only}};
  requests.volume_mounts = std::vector<VolumeMountRequest>{{"data", "/vol", "", false},
                                                           {"data", "/sub", "sub", read_only}};
  requests.read_only_mounts = std::vector<std::string>{};
  if (read_only) requests.read_only_mounts->push_back("/sub");
  return requests;
}

capprobe::probes::CapabilityResult run_linux(FakePlatform& os, const PodRequests& requests) {
  auto ctx = context_for(os, requests);
  const auto mounts = capprobe::probes::read_mounts(os);
  if (!mounts)
    return capprobe::probes::fs::judge_sub_path(
        capprobe::probes::fs::collect_sub_path_facts(ctx, nullptr));
  const auto visible = capprobe::probes::visible_mounts(mounts.value());
  return capprobe::probes::fs::judge_sub_path(
      capprobe::probes::fs::collect_sub_path_facts(ctx, &visible));
}

}  // namespace

TEST_CASE("fs.subpath without any subPath mount is untested, and says why") {
  FakePlatform os;
  os.file("/proc/self/mountinfo", "20 1 0:30 / / rw - overlay overlay rw\n");
  SECTION("no pod spec") {
    const auto result = run_linux(os, {});
    CHECK(result.status == Status::untested);
    CHECK(result.observed == "none");
    CHECK(result.requested == std::nullopt);
    CHECK_THAT(result.summary, Catch::Contains("No volume is mounted through a subPath"));
  }
  SECTION("a pod spec that asks for none") {
    PodRequests requests;
    requests.from_pod_spec = true;
    requests.container_name = "app";
    requests.sub_paths = std::vector<SubPathRequest>{};
    requests.volume_mounts = std::vector<VolumeMountRequest>{};
    const auto result = run_linux(os, requests);
    CHECK(result.status == Status::untested);
    CHECK(result.requested == false);
    CHECK_THAT(result.summary, Catch::Contains("the pod spec asks for none"));
  }
}

TEST_CASE("fs.subpath: a file written through the subPath shows in the volume's subdirectory") {
  FakePlatform os;
  os.file("/proc/self/mountinfo", kMountinfo).dir("/vol").bind("/sub", "/vol/sub");
  const auto before = os.entry_count();
  const auto result = run_linux(os, spec_with_sub_path());
  INFO(result.summary);
  CHECK(result.status == Status::supported);
  CHECK(result.observed == "consistent");
  CHECK(result.requested == true);
  const auto& mount = result.evidence["mounts"][0];
  CHECK(mount["state"] == "consistent");
  CHECK(mount["view"] == "/vol");
  CHECK(mount["mount_root"] == "/sub");
  CHECK(mount["origin"] == "pod_spec");
  CHECK(os.entry_count() == before);  // the file was removed
}

TEST_CASE("fs.subpath: a subPath mount that shows the whole volume is requested but ignored") {
  FakePlatform os;
  // The runtime mounted the volume itself at /sub, not its subdirectory.
  os.file("/proc/self/mountinfo", kMountinfo).dir("/vol/sub").bind("/sub", "/vol");
  const auto result = run_linux(os, spec_with_sub_path());
  INFO(result.summary);
  CHECK(result.status == Status::unsupported);
  CHECK(result.observed == "inconsistent");
  CHECK(result.requested_but_ignored());
  CHECK_THAT(result.summary, Catch::StartsWith(kIgnored));
}

TEST_CASE("fs.subpath: nothing at a requested subPath's mountPath is requested but ignored") {
  FakePlatform os;
  os.file("/proc/self/mountinfo", "20 1 0:30 / / rw - overlay overlay rw\n").dir("/vol");
  const auto result = run_linux(os, spec_with_sub_path());
  CHECK(result.status == Status::unsupported);
  CHECK(result.observed == "missing");
  CHECK(result.requested_but_ignored());
  CHECK(result.evidence["mounts"][0]["state"] == "missing");
}

TEST_CASE("fs.subpath: nothing missing or inconsistent, but not seen by the mount table") {
  FakePlatform os;
  os.file("/proc/self/mountinfo", "20 1 0:30 / / rw - overlay overlay rw\n").dir("/sub");
  auto requests = spec_with_sub_path();
  requests.volume_mounts = std::vector<VolumeMountRequest>{{"data", "/sub", "sub", false}};
  const auto result = run_linux(os, requests);
  // No other view of the volume: nothing is written, and nothing shows it is a subdirectory.
  CHECK(result.status == Status::untested);
  CHECK(result.observed == "mounted");
  CHECK_THAT(result.evidence["mounts"][0]["not_written"].get<std::string>(),
             Catch::Contains("no place to compare"));
}

TEST_CASE("fs.subpath never writes into a mount the pod asked read-only") {
  FakePlatform os;
  os.file("/proc/self/mountinfo", kMountinfo).dir("/vol").bind("/sub", "/vol/sub");
  const auto before = os.entry_count();
  os.fail("create_file_exclusive", "/sub/.capprobe-4242-test-subpath", "EPERM");
  const auto result = run_linux(os, spec_with_sub_path(true));
  INFO(result.summary);
  // The fault above was never consumed: no create was tried.
  CHECK(result.status == Status::supported);
  CHECK(result.observed == "mounted");
  CHECK_THAT(result.evidence["mounts"][0]["not_written"].get<std::string>(),
             Catch::Contains("read-only"));
  CHECK(os.entry_count() == before);
}

TEST_CASE("fs.subpath without a pod spec finds a bind of a volume's subdirectory") {
  FakePlatform os;
  os.file("/proc/self/mountinfo", kMountinfo).dir("/vol").bind("/sub", "/vol/sub");
  const auto result = run_linux(os, {});
  INFO(result.summary);
  CHECK(result.status == Status::supported);
  CHECK(result.observed == "consistent");
  CHECK(result.requested == std::nullopt);
  CHECK(result.evidence["mounts"][0]["origin"] == "mountinfo");
  CHECK(result.evidence["mounts"][0]["sub_path"] == "sub");
}

TEST_CASE("fs.subpath without a pod spec: a kubelet subPath bind whose volume shows nowhere") {
  FakePlatform os;
  os.file("/proc/self/mountinfo",
          "20 1 0:30 / / rw - overlay overlay rw\n"
          "40 20 8:1 /var/lib/kubelet/pods/u1/volumes/kubernetes.io~empty-dir/data/logs /logs "
          "rw - ext4 /dev/sda1 rw\n")
      .dir("/logs");
  const auto result = run_linux(os, {});
  CHECK(result.status == Status::supported);
  CHECK(result.observed == "mounted");
  CHECK(result.evidence["mounts"][0]["sub_path"] == "logs");
}

TEST_CASE("fs.subpath: a create that fails, and a volume that hangs, leave it untested") {
  FakePlatform os;
  os.file("/proc/self/mountinfo", kMountinfo).dir("/vol").bind("/sub", "/vol/sub");
  SECTION("EACCES") {
    os.fail("create_file_exclusive", "/sub/.capprobe-4242-test-subpath", "EACCES");
    const auto result = run_linux(os, spec_with_sub_path());
    CHECK(result.status == Status::untested);
    CHECK(result.observed == "write_failed");
    CHECK(result.evidence["mounts"][0]["write_errno"] == "EACCES");
  }
  SECTION("a hung volume") {
    os.hang("/sub");
    auto requests = spec_with_sub_path();
    auto ctx = context_for(os, requests, std::chrono::milliseconds(300));
    ctx.place_timeout = std::chrono::milliseconds(50);
    const auto result = capprobe::probes::fs::judge_sub_path(
        capprobe::probes::fs::collect_sub_path_facts(ctx, nullptr));
    CHECK(result.status == Status::untested);
    CHECK(result.observed == "unanswered");
  }
}

TEST_CASE("fs.subpath on Windows: the pod spec alone, written through and compared") {
  FakePlatform os;  // no mount table: the Windows collector passes none
  os.dir("/winvol").bind("/winsub", "/winvol/sub");
  PodRequests requests = spec_with_sub_path();
  requests.sub_paths = std::vector<SubPathRequest>{{"data", "/winsub", "sub", false, false}};
  requests.volume_mounts = std::vector<VolumeMountRequest>{{"data", "/winvol", "", false},
                                                           {"data", "/winsub", "sub", false}};
  const auto probe = capprobe::probes::fs_sub_path_windows_probe();
  auto ctx = context_for(os, requests);
  const auto result = probe.run(ctx);
  INFO(result.summary);
  CHECK(result.status == Status::supported);
  CHECK(result.observed == "consistent");
  CHECK(result.evidence["mount_table"] == false);
}

TEST_CASE("fs.subpath without a pod spec never writes into a node directory it guessed") {
  FakePlatform os;
  SECTION("two binds of the node's disk, one inside the other: no guess at all") {
    os.file("/proc/self/mountinfo",
            "20 1 0:30 / / rw - overlay overlay rw\n"
            "41 20 8:1 /srv/data /vol rw - ext4 /dev/sda1 rw\n"
            "42 20 8:1 /srv/data/sub /sub rw - ext4 /dev/sda1 rw\n")
        .dir("/vol")
        .bind("/sub", "/vol/sub");
    const auto before = os.entry_count();
    const auto result = run_linux(os, {});
    CHECK(result.observed == "none");  // the view is a node bind, as likely a hostPath
    CHECK(os.entry_count() == before);
  }
  SECTION("a whole disk filesystem and a bind of its subdirectory: found, not written") {
    os.file("/proc/self/mountinfo",
            "20 1 0:30 / / rw - overlay overlay rw\n"
            "41 20 8:16 / /vol rw - ext4 /dev/sdb rw\n"
            "42 20 8:16 /sub /sub rw - ext4 /dev/sdb rw\n")
        .dir("/vol")
        .bind("/sub", "/vol/sub");
    const auto before = os.entry_count();
    const auto result = run_linux(os, {});
    INFO(result.summary);
    CHECK(result.status == Status::supported);
    CHECK(result.observed == "mounted");
    CHECK_THAT(result.evidence["mounts"][0]["not_written"].get<std::string>(),
               Catch::Contains("no pod spec names"));
    CHECK(os.entry_count() == before);
  }
}
