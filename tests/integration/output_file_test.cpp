// -o as root: a device node is written through or refused, never replaced by a regular file.
// The nodes are the test's own (mknod in a temp dir): a capprobe that gets this wrong destroys
// nothing of the machine's.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <filesystem>
#include <string>

#include "tests/integration/support/run.hpp"
#include "tests/integration/support/sandbox.hpp"

namespace {

using namespace capprobe::it;

struct stat lstat_of(const std::string& path) {
  struct stat info {};
  REQUIRE(::lstat(path.c_str(), &info) == 0);
  return info;
}

}  // namespace

TEST_CASE(
    "probe -o to a device: /dev/null-like is written through, /dev/full-like fails with exit 1, "
    "a disk is refused",
    "[output]") {
  CAPPROBE_IT_NEEDS(Facility::root);
  TempDir dir("output");
  const auto null = (dir.path() / "null").string();
  const auto full = (dir.path() / "full").string();
  const auto disk = (dir.path() / "disk").string();
  REQUIRE(::mknod(null.c_str(), S_IFCHR | 0666, makedev(1, 3)) == 0);
  REQUIRE(::mknod(full.c_str(), S_IFCHR | 0666, makedev(1, 7)) == 0);
  REQUIRE(::mknod(disk.c_str(), S_IFBLK | 0600, makedev(7, 200)) == 0);
  const auto probe = [](const std::string& output) {
    return run({capprobe_path(), "probe", "--json", "--only", "platform.os", "-o", output},
               kQuickRunTimeout);
  };

  const auto to_null = probe(null);
  INFO(describe(to_null));
  CHECK(to_null.exited_zero());
  CHECK(S_ISCHR(lstat_of(null).st_mode));
  CHECK(lstat_of(null).st_rdev == makedev(1, 3));

  const auto to_full = probe(full);
  INFO(describe(to_full));
  CHECK(to_full.exit_code == 1);
  CHECK(to_full.err.find("No space left on device") != std::string::npos);
  CHECK(S_ISCHR(lstat_of(full).st_mode));

  const auto to_disk = probe(disk);
  INFO(describe(to_disk));
  CHECK(to_disk.exit_code == 1);
  CHECK(to_disk.err.find("refusing") != std::string::npos);
  CHECK(S_ISBLK(lstat_of(disk).st_mode));

  // A link to the null device, like /dev/stdout: both stay what they are.
  const auto link = (dir.path() / "stdout").string();
  std::filesystem::create_symlink(null, link);
  const auto to_link = probe(link);
  INFO(describe(to_link));
  CHECK(to_link.exited_zero());
  CHECK(S_ISLNK(lstat_of(link).st_mode));
  CHECK(S_ISCHR(lstat_of(null).st_mode));
}
