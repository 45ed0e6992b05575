// fs.symlink: the verdict as a table, and the whole probe over the fake platform (failures of
// each kind, several writable places, limits, and no residue).
#include <catch2/catch.hpp>

#include <map>

#include "probes/common/bounded.hpp"
#include "probes/common/text.hpp"
#include "probes/fs/mount_places.hpp"
#include "probes/fs/symlink.hpp"
#include "probes/fs/symlink_linux.hpp"
#include "tests/unit/probes/fs_test_support.hpp"

using capprobe::platform::FakePlatform;
using capprobe::platform::FileKind;
using capprobe::platform::OsError;
using capprobe::probes::PodRequests;
using capprobe::probes::Status;
using capprobe::probes::fs::collect_linux_symlink_facts;
using capprobe::probes::fs::judge_linux_symlink;
using capprobe::probes::fs::judge_symlink;
using capprobe::probes::fs::LinuxSymlinkFacts;
using capprobe::probes::fs::SymlinkFacts;
using capprobe::probes::fs::SymlinkLocation;
using capprobe::testing::context_for;
using capprobe::testing::ForwardingPlatform;
using capprobe::testing::load_fixture;
using capprobe::testing::mount_line;

namespace {

SymlinkLocation place(std::string path, std::string fa, std::string fr, std::string da,
                      std::string dr) {
  return SymlinkLocation{std::move(path), {fa, fr, da, dr}, {}};
}

capprobe::probes::CapabilityResult run(capprobe::platform::Platform& os,
                                       const PodRequests& requests = {}) {
  auto ctx = context_for(os, requests);
  return judge_linux_symlink(collect_linux_symlink_facts(ctx));
}

std::vector<std::string> location_paths(const capprobe::probes::CapabilityResult& result) {
  std::vector<std::string> paths;
  for (const auto& location : result.evidence["locations"]) paths.push_back(location["path"]);
  return paths;
}

}  // namespace

TEST_CASE("fs.symlink verdict table") {
  struct Row {
    std::string name;
    std::vector<SymlinkLocation> locations;
    Status status;
    std::string observed;
    std::string summary_has;
  };
  const std::vector<Row> rows = {
      {"all kinds work everywhere",
       {place("/tmp", "ok", "ok", "ok", "ok"), place("/data", "ok", "ok", "ok", "ok")},
       Status::supported,
       "ok",
       "/tmp, /data"},
      {"relative links only",
       {place("/tmp", "not_followable", "ok", "not_followable", "ok")},
       Status::partial,
       "partial",
       "relative symlinks only"},
      {"file links only",
       {place("/tmp", "ok", "ok", "EPERM", "EPERM")},
       Status::partial,
       "partial",
       "file symlinks only"},
      {"a mixed set is named kind by kind",
       {place("/tmp", "EPERM", "ok", "ok", "EPERM")},
       Status::partial,
       "partial",
       "only file_relative, dir_absolute"},
      {"creation refused everywhere",
       {place("/tmp", "EPERM", "EPERM", "EPERM", "EPERM")},
       Status::unsupported,
       "failed",
       "file_absolute: EPERM"},
      {"stored as plain files",
       {place("/data", "stored_as_file", "stored_as_file", "stored_as_file", "stored_as_file")},
       Status::unsupported,
       "failed",
       "stored_as_file"},
      {"one volume without symlinks (CIFS)",
       {place("/tmp", "ok", "ok", "ok", "ok"),
        place("/mnt/cifs", "EOPNOTSUPP", "EOPNOTSUPP", "EOPNOTSUPP", "EOPNOTSUPP")},
       Status::partial,
       "partial",
       "/mnt/cifs: no symlink works (file_absolute: EOPNOTSUPP"},
      {"no writable place", {}, Status::untested, "unknown", "no writable place"},
  };
  for (const auto& row : rows) {
    DYNAMIC_SECTION(row.name) {
      SymlinkFacts facts;
      facts.locations = row.locations;
      const auto result = judge_symlink(facts);
      INFO(result.summary);
      CHECK(result.id == "fs.symlink");
      CHECK(result.status == row.status);
      CHECK(result.observed == row.observed);
      CHECK(result.summary.find(row.summary_has) != std::string::npos);
      CHECK(result.requested == std::nullopt);
      REQUIRE(result.evidence["locations"].size() == row.locations.size());
      for (std::size_t i = 0; i < row.locations.size(); ++i) {
        const auto& json = result.evidence["locations"][i];
        CHECK(json["path"] == row.locations[i].path);
        CHECK(json["file_absolute"] == row.locations[i].outcome[0]);
        CHECK(json["file_relative"] == row.locations[i].outcome[1]);
        CHECK(json["dir_absolute"] == row.locations[i].outcome[2]);
        CHECK(json["dir_relative"] == row.locations[i].outcome[3]);
      }
    }
  }
}

TEST_CASE("fs.symlink verdict names places not tried and residue left behind") {
  LinuxSymlinkFacts facts;
  facts.places.skipped.push_back({"/tmp", "make_private_dir: EACCES"});
  auto result = judge_linux_symlink(facts);
  CHECK(result.status == Status::untested);
  CHECK(result.summary.find("/tmp (make_private_dir: EACCES)") != std::string::npos);
  CHECK(result.evidence["skipped"][0]["reason"] == "make_private_dir: EACCES");

  facts.places.locations.push_back(place("/data", "ok", "ok", "ok", "ok"));
  facts.places.cleanup_failures.push_back("/data/.capprobe-1-x-symlink-a: EBUSY");
  facts.protected_symlinks = 1;
  result = judge_linux_symlink(facts);
  CHECK(result.status == Status::supported);
  CHECK(result.summary.find("WARNING: could not remove /data/.capprobe-1-x-symlink-a") !=
        std::string::npos);
  CHECK(result.evidence["cleanup_failed"].size() == 1);
  CHECK(result.evidence["protected_symlinks"] == 1);
}

TEST_CASE("fs.symlink on an empty platform works in the temp dir and leaves nothing") {
  FakePlatform os;
  const auto before = os.entry_count();
  const auto result = run(os);
  INFO(result.summary);
  CHECK(result.status == Status::supported);
  CHECK(result.observed == "ok");
  CHECK(location_paths(result) == std::vector<std::string>{"/tmp"});
  CHECK(result.evidence["protected_symlinks"].is_null());
  CHECK(result.evidence["mountinfo_error"] == "ENOENT");
  CHECK(os.entry_count() == before);
  CHECK(os.list_dir("/tmp").value().empty());
}

TEST_CASE("fs.symlink in a runc container (captured mountinfo): the temp dir, not the hostPath") {
  FakePlatform os;
  load_fixture(os, "fs-runc");
  os.dir("/data");
  os.special("/run/containerd/containerd.sock", FileKind::socket);  // a single-file bind: no place
  const auto before = os.entry_count();
  const auto result = run(os);
  INFO(result.summary);
  // /data is a bind of a node directory (a hostPath): fs.symlink writes no files there, and says
  // so; the socket is a single file.
  CHECK(location_paths(result) == std::vector<std::string>{"/tmp"});
  CHECK(result.status == Status::supported);
  CHECK(result.summary.find("tried in 1 of 3 places") != std::string::npos);
  CHECK(result.summary.find("/data (a hostPath-like mount from the node") != std::string::npos);
  CHECK(result.evidence["protected_symlinks"] == 0);
  CHECK(os.entry_count() == before);
}

TEST_CASE("fs.symlink skips read-only volumes and kubelet's single files in a pod") {
  FakePlatform os;
  load_fixture(os, "fs-k8s-pod");
  for (const auto* dir : {"/data", "/cache", "/var/log/pods", "/etc/capprobe", "/etc/tls"})
    os.dir(dir);
  os.file("/etc/hosts", "127.0.0.1 localhost\n");
  os.special("/run/containerd/containerd.sock", FileKind::socket);
  const auto before = os.entry_count();
  const auto result = run(os);
  INFO(result.summary);
  // /cache is an emptyDir; /data is a hostPath, not written.
  CHECK(location_paths(result) == std::vector<std::string>{"/tmp", "/cache"});
  CHECK(result.evidence["skipped"][0]["path"] == "/data");
  CHECK(result.evidence["protected_symlinks"] == 1);
  CHECK(os.entry_count() == before);
}

namespace {

// Refuses symlinks with `error` for links under `prefix`, or for absolute targets only.
class RefusingSymlinks : public ForwardingPlatform {
 public:
  RefusingSymlinks(FakePlatform& fake, std::string prefix, std::string error, bool absolute_only)
      : ForwardingPlatform(fake),
        prefix_(std::move(prefix)),
        error_(std::move(error)),
        absolute_only_(absolute_only) {}
  Result<Done> make_symlink(const std::string& target, const std::string& link) override {
    const bool applies = link.rfind(prefix_, 0) == 0 && (!absolute_only_ || target.front() == '/');
    if (applies) return capprobe::platform::fake_error(error_, "symlink " + link);
    return fake_.make_symlink(target, link);
  }

 private:
  std::string prefix_, error_;
  bool absolute_only_;
};

// Some filesystems "succeed" and store the link as a plain file holding the target.
class StoresLinksAsFiles : public ForwardingPlatform {
 public:
  using ForwardingPlatform::ForwardingPlatform;
  Result<Done> make_symlink(const std::string& target, const std::string& link) override {
    fake_.file(link, target);
    return Done{};
  }
};

// Reports success and creates nothing.
class LosesLinks : public ForwardingPlatform {
 public:
  using ForwardingPlatform::ForwardingPlatform;
  Result<Done> make_symlink(const std::string&, const std::string&) override { return Done{}; }
};

// Absolute links exist and read back, but cannot be followed (ELOOP), as on a share that
// resolves them on the other side.
class UnfollowableAbsolute : public ForwardingPlatform {
 public:
  using ForwardingPlatform::ForwardingPlatform;
  Result<std::string> read_through(const std::string& path, std::size_t n) const override {
    if (capprobe::probes::text::ends_with(path, "link-file_absolute"))
      return capprobe::platform::fake_error("ELOOP", path);
    return fake_.read_through(path, n);
  }
  Result<std::vector<std::string>> list_through(const std::string& path) const override {
    if (capprobe::probes::text::ends_with(path, "link-dir_absolute"))
      return capprobe::platform::fake_error("ELOOP", path);
    return fake_.list_through(path);
  }
};

// readlink gives back something else than what was written.
class RewritesTargets : public ForwardingPlatform {
 public:
  using ForwardingPlatform::ForwardingPlatform;
  Result<std::string> link_target(const std::string& path) const override {
    if (capprobe::probes::text::ends_with(path, "link-file_relative"))
      return std::string("\\\\?\\ContainerMappedDirectories\\x");
    return fake_.link_target(path);
  }
};

// remove_tree fails and leaves everything.
class StickyTree : public ForwardingPlatform {
 public:
  using ForwardingPlatform::ForwardingPlatform;
  Result<Done> remove_tree(const std::string& path) override {
    return capprobe::platform::fake_error("EBUSY", "remove " + path);
  }
};

}  // namespace

TEST_CASE("fs.symlink reports EPERM on one volume and keeps the others") {
  FakePlatform fake;
  fake.file("/proc/self/mountinfo", "27 1 254:0 / / rw,relatime - ext4 /dev/vda rw\n" +
                                        mount_line(30, "/", "/data", "tmpfs", "tmpfs"));
  fake.dir("/data");
  const auto before = fake.entry_count();
  RefusingSymlinks os(fake, "/data/", "EPERM", false);
  const auto result = run(os);
  INFO(result.summary);
  CHECK(result.status == Status::partial);
  const auto& data = result.evidence["locations"][1];
  CHECK(data["path"] == "/data");
  for (const auto* kind : {"file_absolute", "file_relative", "dir_absolute", "dir_relative"})
    CHECK(data[kind] == "EPERM");
  CHECK(result.evidence["locations"][0]["file_absolute"] == "ok");
  CHECK(fake.entry_count() == before);
}

TEST_CASE("fs.symlink with EOPNOTSUPP for absolute links says relative symlinks only") {
  FakePlatform fake;
  const auto before = fake.entry_count();
  RefusingSymlinks os(fake, "/", "EOPNOTSUPP", true);
  const auto result = run(os);
  INFO(result.summary);
  CHECK(result.status == Status::partial);
  CHECK(result.observed == "partial");
  CHECK(result.summary.rfind("relative symlinks only", 0) == 0);
  CHECK(result.evidence["locations"][0]["file_absolute"] == "EOPNOTSUPP");
  CHECK(result.evidence["locations"][0]["dir_relative"] == "ok");
  CHECK(fake.entry_count() == before);
}

TEST_CASE("fs.symlink sees links stored as plain files") {
  FakePlatform fake;
  const auto before = fake.entry_count();
  StoresLinksAsFiles os(fake);
  const auto result = run(os);
  INFO(result.summary);
  CHECK(result.status == Status::unsupported);
  CHECK(result.observed == "failed");
  CHECK(result.evidence["locations"][0]["file_relative"] == "stored_as_file");
  CHECK(result.evidence["locations"][0]["dir_absolute"] == "stored_as_file");
  CHECK(fake.entry_count() == before);
}

TEST_CASE("fs.symlink sees a creation that reported success and left nothing") {
  FakePlatform fake;
  const auto before = fake.entry_count();
  LosesLinks os(fake);
  const auto result = run(os);
  CHECK(result.status == Status::unsupported);
  CHECK(result.evidence["locations"][0]["file_absolute"] == "not_created");
  CHECK(fake.entry_count() == before);
}

TEST_CASE("fs.symlink checks links can be followed, not only created") {
  FakePlatform fake;
  const auto before = fake.entry_count();
  UnfollowableAbsolute os(fake);
  const auto result = run(os);
  INFO(result.summary);
  CHECK(result.status == Status::partial);
  const auto& location = result.evidence["locations"][0];
  CHECK(location["file_absolute"] == "not_followable");
  CHECK(location["dir_absolute"] == "not_followable");
  CHECK(location["details"]["file_absolute"] == "read_through: ELOOP");
  CHECK(location["file_relative"] == "ok");
  CHECK(result.summary.rfind("relative symlinks only", 0) == 0);
  CHECK(fake.entry_count() == before);
}

TEST_CASE("fs.symlink checks the target reads back as written") {
  FakePlatform fake;
  const auto before = fake.entry_count();
  RewritesTargets os(fake);
  const auto result = run(os);
  const auto& location = result.evidence["locations"][0];
  CHECK(location["file_relative"] == "not_followable");
  CHECK(location["details"]["file_relative"].get<std::string>().find(
            "ContainerMappedDirectories") != std::string::npos);
  CHECK(location["file_absolute"] == "ok");
  CHECK(fake.entry_count() == before);
}

TEST_CASE("fs.symlink without a writable place is untested and names why") {
  FakePlatform os;
  os.fail("make_private_dir", "/tmp", "EACCES");
  const auto before = os.entry_count();
  const auto result = run(os);
  INFO(result.summary);
  CHECK(result.status == Status::untested);
  CHECK(result.observed == "unknown");
  CHECK(result.evidence["locations"].empty());
  CHECK(result.summary.find("EACCES") != std::string::npos);
  CHECK(os.entry_count() == before);
}

TEST_CASE("fs.symlink skips a place whose targets cannot be made, and still cleans it") {
  FakePlatform os;
  os.fail("make_dir", "/tmp/.capprobe-4242-test-symlink-fake0/target-dir", "ENOSPC");
  const auto before = os.entry_count();
  const auto result = run(os);
  CHECK(result.status == Status::untested);
  CHECK(result.evidence["skipped"][0]["reason"] == "make target dir: ENOSPC");
  CHECK(os.entry_count() == before);
}

TEST_CASE("fs.symlink reports what it could not remove") {
  FakePlatform fake;
  StickyTree os(fake);
  const auto result = run(os);
  INFO(result.summary);
  REQUIRE(result.evidence.contains("cleanup_failed"));
  CHECK(result.evidence["cleanup_failed"][0].get<std::string>().find("EBUSY") != std::string::npos);
  CHECK(result.summary.find("WARNING: could not remove /tmp/.capprobe-4242-test-symlink-") !=
        std::string::npos);
}

namespace {

// An emptyDir-like volume (tmpfs): a place fs.symlink may write in.
std::string volume_line(int id, const std::string& point) {
  return mount_line(id, "/", point, "tmpfs", "tmpfs");
}

std::string volumes_mountinfo(FakePlatform& os, int count) {
  std::string mountinfo = "27 1 254:0 / / rw,relatime - ext4 /dev/vda rw\n";
  for (int i = 0; i < count; ++i) {
    const auto point = "/vol" + std::to_string(i);
    os.dir(point);
    mountinfo += volume_line(100 + i, point);
  }
  return mountinfo;
}

}  // namespace

TEST_CASE("fs.symlink finds a ninth volume without symlinks") {
  // Eight volumes were the old limit, and the ninth went untested without a word.
  FakePlatform fake;
  fake.file("/proc/self/mountinfo", volumes_mountinfo(fake, 9));
  const auto before = fake.entry_count();
  RefusingSymlinks os(fake, "/vol8/", "EPERM", false);
  const auto result = run(os);
  INFO(result.summary);
  CHECK(result.status == Status::partial);
  CHECK(result.evidence["places_tried"] == 10);
  CHECK(result.evidence["places_total"] == 10);
  CHECK(location_paths(result).back() == "/vol8");
  CHECK(result.summary.find("/vol8: no symlink works") != std::string::npos);
  CHECK(fake.entry_count() == before);
}

TEST_CASE("fs.symlink names every place beyond its limit and says the coverage") {
  FakePlatform os;
  os.file("/proc/self/mountinfo", volumes_mountinfo(os, 20));
  const auto before = os.entry_count();
  const auto result = run(os);
  INFO(result.summary);
  CHECK(result.status == Status::supported);
  CHECK(result.evidence["locations"].size() == capprobe::probes::fs::kMaxWritePlaces);
  CHECK(result.evidence["places_total"] == 21);
  REQUIRE(result.evidence["skipped"].size() == 5);
  CHECK(result.evidence["skipped"][0]["path"] == "/vol15");
  CHECK(result.evidence["skipped"][4]["reason"] == "over the limit of 16 places");
  CHECK(result.summary.find("tried in 16 of 21 places; not in /vol15 (over the limit of 16 "
                            "places)") != std::string::npos);
  CHECK(result.summary.find("and 1 more (see evidence)") != std::string::npos);
  CHECK(os.entry_count() == before);
}

TEST_CASE("fs.symlink stops when time is up and names what it did not try") {
  FakePlatform os;
  os.file("/proc/self/mountinfo", volumes_mountinfo(os, 3));
  const auto before = os.entry_count();
  PodRequests requests;
  auto late = context_for(os, requests, std::chrono::milliseconds(0));
  const auto result = judge_linux_symlink(collect_linux_symlink_facts(late));
  CHECK(result.status == Status::untested);
  CHECK(result.evidence["skipped"].size() == 4);
  CHECK(result.evidence["skipped"][0]["reason"] == "out of time");
  CHECK(result.summary.find("tried in 0 of 4 places") != std::string::npos);
  CHECK(os.entry_count() == before);
}

TEST_CASE("fs.symlink writes nothing in a volume asked read-only, nor in a hostPath") {
  FakePlatform fake;
  fake.file("/proc/self/mountinfo",
            "27 1 254:0 / / rw,relatime - ext4 /dev/vda rw\n" +
                volume_line(30, "/config") +  // asked read-only, mounted rw
                mount_line(31, "/srv/data", "/data", "ext4", "/dev/vda") +  // a node directory
                volume_line(32, "/hp") +                                    // a requested hostPath
                volume_line(33, "/scratch"));
  for (const auto* dir : {"/config", "/data", "/hp", "/scratch"}) fake.dir(dir);
  PodRequests requests;
  requests.from_pod_spec = true;
  requests.read_only_mounts = std::vector<std::string>{"/config/"};
  requests.host_paths =
      std::vector<capprobe::probes::HostPathRequest>{{"hp", "/var/lib/app", "/hp", false}};
  capprobe::testing::CountingCreates os(fake);
  const auto result = run(os, requests);
  INFO(result.summary);
  CHECK(os.private_dir_parents == std::vector<std::string>{"/tmp", "/scratch"});
  for (const auto& file : os.created)
    CHECK((file.rfind("/tmp/", 0) == 0 || file.rfind("/scratch/", 0) == 0));
  CHECK(location_paths(result) == std::vector<std::string>{"/tmp", "/scratch"});
  const auto& skipped = result.evidence["skipped"];
  REQUIRE(skipped.size() == 3);
  CHECK(skipped[0]["path"] == "/config");
  CHECK(skipped[0]["reason"] == "the pod asked for it read-only: nothing is written");
  CHECK(skipped[1]["path"] == "/data");
  CHECK(skipped[2]["path"] == "/hp");
  CHECK(skipped[2]["reason"] == "a hostPath volume: nothing is written");
}

TEST_CASE("fs.symlink reports a hung volume and still tries the others") {
  // A volume whose server stopped answering (NFS, FUSE, CSI): every call there blocks forever.
  auto world = std::make_shared<capprobe::testing::GuardedWorld>();
  auto& os = world->os;
  os.file("/proc/self/mountinfo", "27 1 254:0 / / rw,relatime - ext4 /dev/vda rw\n" +
                                      mount_line(30, "/", "/hung", "fuse.s3fs", "s3fs") +
                                      volume_line(31, "/ok"));
  os.dir("/hung").dir("/ok");
  os.hang("/hung");
  const auto result = capprobe::testing::run_guarded(
      world, [](auto& ctx) { return judge_linux_symlink(collect_linux_symlink_facts(ctx)); });
  REQUIRE(result);
  INFO(result->summary);
  CHECK(os.hung_calls() >= 1);
  CHECK(result->status == Status::supported);
  CHECK(location_paths(*result) == std::vector<std::string>{"/tmp", "/ok"});
  REQUIRE(result->evidence["skipped"].size() == 1);
  CHECK(result->evidence["skipped"][0]["path"] == "/hung");
  CHECK(result->evidence["skipped"][0]["reason"] ==
        "timed out after 2000 ms (the filesystem did not answer)");
  CHECK(result->summary.find("tried in 2 of 3 places") != std::string::npos);
}

TEST_CASE("fs.symlink with every place hung says none answered, not that none exists") {
  auto world = std::make_shared<capprobe::testing::GuardedWorld>();
  world->os.hang("/tmp");
  const auto result = capprobe::testing::run_guarded(
      world, [](auto& ctx) { return judge_linux_symlink(collect_linux_symlink_facts(ctx)); });
  REQUIRE(result);
  INFO(result->summary);
  CHECK(result->status == Status::untested);
  CHECK(result->summary.rfind("no place could be tried", 0) == 0);
}

TEST_CASE("write places: what no probe writes in, and why") {
  using capprobe::probes::fs::write_places;
  const auto mounts = capprobe::probes::parse_mountinfo(
      "1 0 0:50 / / rw - overlay overlay rw\n"
      // kubelet's files come from the node's disk 259:1
      "2 1 259:1 /var/lib/kubelet/pods/u/etc-hosts /etc/hosts rw - ext4 /dev/nvme0n1p1 rw\n"
      // the node's root, mounted whole (hostPath: /): same device as kubelet's files
      "3 1 259:1 / /host rw - ext4 /dev/nvme0n1p1 rw\n"
      // a directory of the node's /run tmpfs (hostPath: /run/containerd)
      "4 1 0:25 /containerd /run/containerd rw - tmpfs tmpfs rw\n"
      // another container's root filesystem
      "5 1 0:60 / /var/lib/other rw - overlay overlay rw\n"
      // an emptyDir in memory and a PVC from its own disk: volumes of this pod
      "6 1 0:70 / /scratch rw - tmpfs tmpfs rw\n"
      "7 1 259:16 / /data rw - ext4 /dev/nvme1n1 rw\n");
  const capprobe::probes::PodRequests requests;
  const auto places = write_places(capprobe::probes::visible_mounts(mounts), requests, "/tmp");
  std::map<std::string, std::string> why;
  for (const auto& place : places) why[place.path] = place.off_limits.value_or("open");
  CHECK(why["/tmp"] == "open");
  CHECK(why["/host"] == "a hostPath-like mount from the node: nothing is written");
  CHECK(why["/run/containerd"] == "a hostPath-like mount from the node: nothing is written");
  CHECK(why["/var/lib/other"] == "another container's root filesystem: nothing is written");
  CHECK(why["/scratch"] == "open");
  CHECK(why["/data"] == "open");
}

TEST_CASE("write places on the node itself: the node's own disks are off limits") {
  using capprobe::probes::fs::write_places;
  const auto mounts = capprobe::probes::parse_mountinfo(
      "1 0 254:0 / / rw - ext4 /dev/vda rw\n"
      "2 1 254:1 / /boot rw - ext4 /dev/vda1 rw\n"
      "3 1 0:30 / /mnt/scratch rw - tmpfs tmpfs rw\n");
  const capprobe::probes::PodRequests requests;
  CHECK(capprobe::probes::fs::runs_on_node(mounts));
  const auto places = write_places(mounts, requests, "/tmp");
  REQUIRE(places.size() == 3);
  CHECK(places[1].path == "/boot");
  CHECK(places[1].off_limits ==
        "one of the node's own disks (capprobe runs on the node): nothing is written");
  CHECK_FALSE(places[2].off_limits);
}
