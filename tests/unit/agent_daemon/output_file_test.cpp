// -o and --nfd-file name a path the user chose. The temp-file-and-rename writer may replace only
// a regular file: a device, a FIFO or a symlink is written through or refused, never replaced.
// The device nodes are our own, made with mknod in a temp dir (root only), so that a writer that
// gets this wrong destroys nothing of the machine's.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <functional>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include "agent/daemon/nfd_file.hpp"
#include "agent/formats/format.hpp"
#include "agent/user_files.hpp"
#include "tests/unit/agent_daemon/temp_dir.hpp"

using capprobe::test::slurp;
using capprobe::test::spit;
using capprobe::test::TempDir;
namespace fs = std::filesystem;

namespace {

struct stat lstat_of(const std::string& path) {
  struct stat info {};
  REQUIRE(::lstat(path.c_str(), &info) == 0);
  return info;
}

bool can_mknod() {
  if (::geteuid() == 0) return true;
  std::cout << "SKIPPED: making device nodes needs root (CAP_MKNOD)" << std::endl;
  return false;
}

void make_char_device(const std::string& path, unsigned major, unsigned minor) {
  REQUIRE(::mknod(path.c_str(), S_IFCHR | 0666, makedev(major, minor)) == 0);
}

// Reads a FIFO until the writer closes it, on a thread of its own.
class FifoReader {
 public:
  explicit FifoReader(const std::string& path) {
    thread_ = std::thread([this, path] {
      const int fd = ::open(path.c_str(), O_RDONLY);
      if (fd < 0) return;
      char buffer[4096];
      ssize_t got = 0;
      while ((got = ::read(fd, buffer, sizeof buffer)) > 0) text_.append(buffer, got);
      ::close(fd);
    });
  }
  std::string finish() {
    thread_.join();
    return text_;
  }

 private:
  std::thread thread_;
  std::string text_;
};

// Writes `text` (or whatever the writer renders) to `path`; "" or why it failed.
using Writer = std::function<std::string(const std::string& path, const std::string& text)>;
// What the writer puts in the file for `text`.
using Rendered = std::function<std::string(const std::string& text)>;

void check_targets(const Writer& write, const Rendered& rendered, bool keeps_mode) {
  TempDir temp;
  SECTION("a regular file is replaced whole and keeps its permissions") {
    const auto path = temp / "report.json";
    spit(path, "old");
    ::chmod(path.c_str(), 0600);
    CHECK(write(path, "new") == "");
    CHECK(slurp(path) == rendered("new"));
    if (keeps_mode) CHECK((lstat_of(path).st_mode & 07777) == 0600);
  }
  SECTION("a symlink to a regular file stays a link; its target gets the text") {
    spit(temp / "real.json", "old");
    fs::create_symlink("real.json", temp.path() / "link.json");
    CHECK(write(temp / "link.json", "new") == "");
    CHECK(S_ISLNK(lstat_of(temp / "link.json").st_mode));
    CHECK(slurp(temp / "real.json") == rendered("new"));
  }
  SECTION("a FIFO is written through, not replaced") {
    const auto path = temp / "fifo";
    REQUIRE(::mkfifo(path.c_str(), 0600) == 0);
    FifoReader reader(path);
    std::string failure;
    // The writer opens without blocking: give the reader a moment to open its end first.
    for (int i = 0; i < 200; ++i) {
      failure = write(path, "through the fifo");
      if (failure.find("no reader") == std::string::npos) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    CHECK(failure == "");
    CHECK(S_ISFIFO(lstat_of(path).st_mode));
    CHECK(reader.finish() == rendered("through the fifo"));
  }
  SECTION("a FIFO nobody reads is refused at once, not waited on") {
    const auto path = temp / "lonely-fifo";
    REQUIRE(::mkfifo(path.c_str(), 0600) == 0);
    CHECK(write(path, "x").find("no reader") != std::string::npos);
    CHECK(S_ISFIFO(lstat_of(path).st_mode));
  }
  SECTION("a directory is refused") {
    fs::create_directory(temp.path() / "dir");
    CHECK(write(temp / "dir", "x") != "");
    CHECK(fs::is_directory(temp.path() / "dir"));
  }
  SECTION("/dev/null-like devices are written through and stay devices") {
    if (!can_mknod()) return;
    const auto null = temp / "null";
    make_char_device(null, 1, 3);
    CHECK(write(null, "discarded") == "");
    CHECK(S_ISCHR(lstat_of(null).st_mode));
    CHECK(lstat_of(null).st_rdev == makedev(1, 3));
    // A link to it, like /dev/stdout -> /proc/self/fd/1: the link stays too.
    fs::create_symlink(null, temp.path() / "to-null");
    CHECK(write(temp / "to-null", "discarded") == "");
    CHECK(S_ISLNK(lstat_of(temp / "to-null").st_mode));
    CHECK(S_ISCHR(lstat_of(null).st_mode));
  }
  SECTION("a full device fails the write and stays a device") {
    if (!can_mknod()) return;
    const auto full = temp / "full";
    make_char_device(full, 1, 7);
    CHECK(write(full, "no room").find("No space left on device") != std::string::npos);
    CHECK(S_ISCHR(lstat_of(full).st_mode));
  }
  SECTION("other devices (a disk, /dev/mem-like) are refused untouched") {
    if (!can_mknod()) return;
    const auto disk = temp / "disk";
    REQUIRE(::mknod(disk.c_str(), S_IFBLK | 0600, makedev(7, 200)) == 0);
    const auto mem = temp / "mem";
    make_char_device(mem, 1, 1);
    CHECK(write(disk, "x").find("refusing") != std::string::npos);
    CHECK(write(mem, "x").find("refusing") != std::string::npos);
    CHECK(S_ISBLK(lstat_of(disk).st_mode));
    CHECK(S_ISCHR(lstat_of(mem).st_mode));
  }
  // Nothing of ours is left beside the targets.
  for (const auto& entry : fs::directory_iterator(temp.path()))
    CHECK(entry.path().filename().string().rfind(".capprobe-", 0) != 0);
}

}  // namespace

TEST_CASE("-o replaces only regular files; devices, FIFOs and links are written through or refused",
          "[output]") {
  check_targets([](const std::string& path, const std::string& text) {
    return capprobe::agent::write_file_atomically(path, text, ".capprobe-1-abcdef-output");
  }, [](const std::string& text) { return text; }, true);
}

TEST_CASE("--nfd-file replaces only regular files; devices, FIFOs and links are written through "
          "or refused",
          "[output]") {
  capprobe::agent::Report report;
  report.report_id = "r-1";
  report.subject.node = std::string("worker-3");
  const auto nfd_text = capprobe::agent::render_nfd(report);
  check_targets(
      [&report](const std::string& path, const std::string&) {
        return capprobe::agent::daemon::write_nfd_file(path, report, ".capprobe-1-abcdef-nfd");
      },
      [&nfd_text](const std::string&) { return nfd_text; }, false);
}
