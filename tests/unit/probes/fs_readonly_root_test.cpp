// fs.readonly_root: the verdict as a table (EROFS, the Kata trap, EACCES as non-root, requests),
// and the probe over fixtures of a runc container (captured) and a Kata guest.
#include <catch2/catch.hpp>

#include "probes/common/judge.hpp"
#include "probes/fs/readonly_root_linux.hpp"
#include "tests/unit/probes/fs_test_support.hpp"

using capprobe::platform::FakePlatform;
using capprobe::platform::FsInfo;
using capprobe::probes::Mount;
using capprobe::probes::PodRequests;
using capprobe::probes::Status;
using capprobe::probes::fs::collect_linux_readonly_root_facts;
using capprobe::probes::fs::judge_linux_readonly_root;
using capprobe::probes::fs::LinuxReadonlyRootFacts;
using capprobe::testing::context_for;
using capprobe::testing::kScratch;
using capprobe::testing::load_fixture;
using capprobe::testing::mount_line;

namespace {

Mount root_mount(bool read_only, const std::string& fs_type = "overlay",
                 const std::string& source = "overlay") {
  const auto line =
      mount_line(1, "/", "/", fs_type, source, read_only ? "ro,relatime" : "rw,relatime");
  return capprobe::probes::parse_mountinfo(line).at(0);
}

LinuxReadonlyRootFacts facts_with(std::optional<std::string> write_errno,
                                  std::optional<Mount> mount, std::optional<bool> statvfs_ro,
                                  std::optional<bool> requested) {
  LinuxReadonlyRootFacts facts;
  facts.root.path = "/.capprobe-1-x-rw";
  if (write_errno)  // the kind the platform gives that errno
    facts.root.create_kind = capprobe::platform::fake_error(*write_errno, "").kind;
  facts.root.create_errno = std::move(write_errno);
  facts.root_mount = std::move(mount);
  facts.statvfs_read_only = statvfs_ro;
  facts.requested = requested;
  return facts;
}

const std::string kIgnored(capprobe::probes::kIgnoredPrefix);

capprobe::probes::CapabilityResult run(capprobe::platform::Platform& os,
                                       const PodRequests& requests = {}) {
  auto ctx = context_for(os, requests);
  return judge_linux_readonly_root(collect_linux_readonly_root_facts(ctx));
}

}  // namespace

TEST_CASE("fs.readonly_root verdict table") {
  struct Row {
    std::string name;
    LinuxReadonlyRootFacts facts;
    Status status;
    std::string observed;
    std::string summary_has;
    bool trap;
  };
  const std::vector<Row> rows = {
      {"read-only and requested", facts_with("EROFS", root_mount(true), true, true),
       Status::supported, "read_only", "creating a file failed with EROFS", false},
      {"read-only, not requested", facts_with("EROFS", root_mount(true), true, false),
       Status::supported, "read_only", "although readOnlyRootFilesystem was not requested", false},
      {"writable but requested read-only", facts_with(std::nullopt, root_mount(false), false, true),
       Status::unsupported, "writable", kIgnored + "readOnlyRootFilesystem", false},
      {"writable, request unknown",
       facts_with(std::nullopt, root_mount(false), false, std::nullopt), Status::untested,
       "writable", "request unknown", false},
      {"writable, not requested", facts_with(std::nullopt, root_mount(false), false, false),
       Status::untested, "writable", "was not requested", false},
      {"the Kata trap: mount says rw, write fails with EROFS",
       facts_with("EROFS", root_mount(false, "virtiofs", "kataShared"), false, true),
       Status::supported, "read_only", "although the mount says rw", true},
      {"EACCES as non-root on a rw mount cannot show the truth",
       facts_with("EACCES", root_mount(false), false, true), Status::untested, "unknown",
       "needs write permission on / (run as root)", false},
      {"EPERM on a ro mount: the mount decides", facts_with("EPERM", root_mount(true), true, true),
       Status::supported, "read_only", "by its mount options", false},
      {"EACCES without mountinfo, statvfs says ro", facts_with("EACCES", std::nullopt, true, true),
       Status::supported, "read_only", "by its mount options", false},
      {"ENOSPC means writable but full", facts_with("ENOSPC", root_mount(false), false, true),
       Status::unsupported, "writable", "but full", false},
      {"an errno that shows nothing", facts_with("EIO", root_mount(false), false, std::nullopt),
       Status::untested, "unknown", "which shows neither", false},
  };
  for (const auto& row : rows) {
    DYNAMIC_SECTION(row.name) {
      const auto result = judge_linux_readonly_root(row.facts);
      INFO(result.summary);
      CHECK(result.id == "fs.readonly_root");
      CHECK(result.status == row.status);
      CHECK(result.observed == row.observed);
      CHECK(result.requested == row.facts.requested);
      CHECK(result.summary.find(row.summary_has) != std::string::npos);
      CHECK(result.evidence["mount_rw_but_erofs"] == row.trap);
      if (row.facts.root.create_errno)
        CHECK(result.evidence["write_errno"] == *row.facts.root.create_errno);
      else
        CHECK(result.evidence["write_errno"].is_null());
    }
  }
}

TEST_CASE("fs.readonly_root reports a test file it could not remove") {
  auto facts = facts_with(std::nullopt, root_mount(false), false, false);
  facts.root.remove_errno = "EBUSY";
  const auto result = judge_linux_readonly_root(facts);
  CHECK(result.evidence["remove_errno"] == "EBUSY");
  CHECK(result.summary.find(
            "WARNING: the test file /.capprobe-1-x-rw could not be removed (EBUSY)") !=
        std::string::npos);
}

TEST_CASE("fs.readonly_root on a writable runc root writes, removes and leaves nothing") {
  FakePlatform os;
  load_fixture(os, "fs-runc");
  os.dir("/etc");
  const auto before = os.entry_count();
  const auto result = run(os);
  INFO(result.summary);
  CHECK(result.observed == "writable");
  CHECK(result.status == Status::untested);  // nothing requested: honouring it is not shown
  CHECK(result.evidence["write_errno"].is_null());
  CHECK(result.evidence["write_path"] == std::string("/") + kScratch + "-rw");
  CHECK(result.evidence["mount_read_only"] == false);
  CHECK(result.evidence["statvfs_read_only"] == false);
  CHECK(result.evidence["fs_type"] == "ext4");
  CHECK(result.evidence["source"] == "/dev/vda");
  const auto& others = result.evidence["other_writes"];
  REQUIRE(others.size() == 2);
  CHECK(others[0]["path"] == std::string("/etc/") + kScratch + "-rw");
  CHECK(others[0]["write_errno"].is_null());
  CHECK(others[1]["write_errno"] == "ENOENT");  // no /var/tmp in this fake
  CHECK(os.entry_count() == before);
}

TEST_CASE("fs.readonly_root on a read-only runc root (captured) with EROFS") {
  FakePlatform os;
  load_fixture(os, "fs-runc-readonly");
  os.fs("/", FsInfo{true, 0xEF53, 0, 0});
  os.fail("create_file_exclusive", std::string("/") + kScratch + "-rw", "EROFS");
  const auto before = os.entry_count();
  PodRequests requests;
  requests.from_pod_spec = true;
  requests.read_only_root = true;
  const auto result = run(os, requests);
  INFO(result.summary);
  CHECK(result.status == Status::supported);
  CHECK(result.observed == "read_only");
  CHECK(result.requested == true);
  CHECK(result.evidence["write_errno"] == "EROFS");
  CHECK(result.evidence["mount_read_only"] == true);
  CHECK(result.evidence["statvfs_read_only"] == true);
  CHECK(result.evidence["mount_rw_but_erofs"] == false);
  CHECK(os.entry_count() == before);
}

TEST_CASE("fs.readonly_root catches the Kata trap: kataShared says rw, writes fail") {
  FakePlatform os;
  load_fixture(os, "fs-kata");
  os.fail("create_file_exclusive", std::string("/") + kScratch + "-rw", "EROFS");
  const auto before = os.entry_count();
  const auto result = run(os);
  INFO(result.summary);
  CHECK(result.observed == "read_only");
  CHECK(result.status == Status::supported);
  CHECK(result.evidence["mount_rw_but_erofs"] == true);
  CHECK(result.evidence["fs_type"] == "virtiofs");
  CHECK(result.evidence["source"] == "kataShared");
  CHECK(result.evidence["mount_read_only"] == false);
  CHECK(os.entry_count() == before);
}

TEST_CASE("fs.readonly_root as non-root (EACCES) on a rw mount says untested and why") {
  FakePlatform os;
  load_fixture(os, "fs-runc");
  os.fail("create_file_exclusive", std::string("/") + kScratch + "-rw", "EACCES");
  const auto before = os.entry_count();
  PodRequests requests;
  requests.read_only_root = true;
  const auto result = run(os, requests);
  INFO(result.summary);
  CHECK(result.status == Status::untested);
  CHECK(result.observed == "unknown");
  CHECK(result.evidence["write_errno"] == "EACCES");
  CHECK(result.summary.find("run as root") != std::string::npos);
  CHECK(os.entry_count() == before);
}

TEST_CASE("fs.readonly_root as non-root shows the truth through /var/tmp on the same mount") {
  FakePlatform os;
  load_fixture(os, "fs-runc");
  os.dir("/var/tmp");
  os.fail("create_file_exclusive", std::string("/") + kScratch + "-rw", "EACCES");
  os.fail("create_file_exclusive", std::string("/etc/") + kScratch + "-rw", "EACCES");
  const auto before = os.entry_count();
  PodRequests requests;
  requests.read_only_root = true;
  const auto result = run(os, requests);
  INFO(result.summary);
  CHECK(result.status == Status::unsupported);
  CHECK(result.observed == "writable");
  CHECK(result.evidence["write_errno"] == "EACCES");
  CHECK(result.evidence["proof_path"] == std::string("/var/tmp/") + kScratch + "-rw");
  CHECK(result.evidence["other_writes"][1]["same_mount_as_root"] == true);
  CHECK(result.summary.find(kIgnored + "readOnlyRootFilesystem") == 0);
  CHECK(result.summary.find("one in /var/tmp, on the same mount, was created and removed") !=
        std::string::npos);
  CHECK(os.entry_count() == before);
}

TEST_CASE("fs.readonly_root as non-root: a writable /var/tmp on its own mount proves nothing") {
  FakePlatform os;
  load_fixture(os, "fs-runc");
  auto mountinfo = os.read_file("/proc/self/mountinfo", 1 << 20).value();
  mountinfo += mount_line(90, "/", "/var/tmp", "tmpfs", "tmpfs");
  os.file("/proc/self/mountinfo", mountinfo);
  os.dir("/var/tmp");
  os.fail("create_file_exclusive", std::string("/") + kScratch + "-rw", "EACCES");
  const auto result = run(os);
  INFO(result.summary);
  CHECK(result.status == Status::untested);
  CHECK(result.observed == "unknown");
  CHECK(result.evidence["other_writes"][1]["same_mount_as_root"] == false);
  CHECK_FALSE(result.evidence.contains("proof_path"));
}

TEST_CASE("fs.readonly_root as non-root: EROFS next to / on the same mount shows read-only") {
  auto facts = facts_with("EACCES", root_mount(false, "virtiofs", "kataShared"), false, true);
  facts.root.mount_id = 1;
  facts.others.push_back(
      {"/var/tmp/x", "EROFS", capprobe::platform::ErrorKind::other, std::nullopt, 1, std::nullopt});
  const auto result = judge_linux_readonly_root(facts);
  INFO(result.summary);
  CHECK(result.status == Status::supported);
  CHECK(result.observed == "read_only");
  CHECK(result.summary.find("failed with EROFS") != std::string::npos);
}

TEST_CASE("fs.readonly_root warns about every test file left behind") {
  auto facts = facts_with(std::nullopt, root_mount(false), false, false);
  facts.others.push_back(
      {"/var/tmp/x", std::nullopt, capprobe::platform::ErrorKind::other, "EBUSY", 1, std::nullopt});
  const auto result = judge_linux_readonly_root(facts);
  CHECK(result.summary.find("WARNING: the test file /var/tmp/x could not be removed (EBUSY)") !=
        std::string::npos);
}

TEST_CASE("fs.readonly_root reports a failed removal of its test file") {
  FakePlatform os;
  os.fail("remove", std::string("/") + kScratch + "-rw", "EBUSY");
  const auto result = run(os);
  CHECK(result.evidence["remove_errno"] == "EBUSY");
  CHECK(result.summary.find("could not be removed (EBUSY)") != std::string::npos);
  CHECK(result.evidence["mountinfo_error"] == "ENOENT");
  CHECK(result.evidence["mount_read_only"].is_null());
}

TEST_CASE("fs.readonly_root writes only on the mount of /, never in a volume beside it") {
  // A volume at /var/tmp (asked read-only, mounted rw): a write there would prove nothing
  // about / and would break the no-write rule.
  FakePlatform fake;
  load_fixture(fake, "fs-runc");
  auto mountinfo = fake.read_file("/proc/self/mountinfo", 1 << 20).value();
  mountinfo += mount_line(90, "/", "/var/tmp", "tmpfs", "tmpfs");
  fake.file("/proc/self/mountinfo", mountinfo);
  fake.dir("/var/tmp").dir("/etc");
  capprobe::testing::CountingCreates os(fake);
  PodRequests requests;
  requests.from_pod_spec = true;
  requests.read_only_mounts = std::vector<std::string>{"/var/tmp"};
  const auto result = run(os, requests);
  INFO(result.summary);
  CHECK(os.created == std::vector<std::string>{std::string("/") + kScratch + "-rw",
                                               std::string("/etc/") + kScratch + "-rw"});
  CHECK(result.evidence["other_writes"][1]["not_done"] ==
        "on another mount than /: a write there proves nothing about /");
  CHECK(result.observed == "writable");
}

TEST_CASE("fs.readonly_root with a root that does not answer says so, and returns") {
  auto world = std::make_shared<capprobe::testing::GuardedWorld>();
  auto& os = world->os;
  load_fixture(os, "fs-runc");
  os.dir("/etc").dir("/var/tmp");
  // The root's filesystem stopped answering: the test files there, beside it too.
  for (const auto* dir : {"", "/etc", "/var/tmp"})
    os.hang(std::string(dir) + "/" + kScratch + "-rw");
  const auto result = capprobe::testing::run_guarded(world, [](auto& ctx) {
    return judge_linux_readonly_root(collect_linux_readonly_root_facts(ctx));
  });
  REQUIRE(result);
  INFO(result->summary);
  CHECK(os.hung_calls() == 1);  // the write in / only: the others are not tried after it
  CHECK(result->status == Status::untested);
  CHECK(result->observed == "unknown");
  CHECK(result->summary.find("the write test in / timed out after 2000 ms") != std::string::npos);
  for (const auto& other : result->evidence["other_writes"])
    CHECK(other["not_done"] == "not tried: the write in / did not answer either");
}
