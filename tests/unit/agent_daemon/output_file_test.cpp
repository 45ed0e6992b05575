// -o and --nfd-file name a path the user chose. The temp-file-and-rename writer may replace only
// a regular file: a device, a FIFO or a symlink is written through or refused, never replaced.
// The device nodes are our own, made with mknod in a temp dir (root only), so that a writer that
// gets this wrong destroys nothing of the machine's.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
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

// Device nodes (CAP_MKNOD) and files of another owner (CAP_CHOWN) need root.
bool root_or_skip(const char* what) {
  if (::geteuid() == 0) return true;
  std::cout << "SKIPPED: " << what << " needs root" << std::endl;
  return false;
}

void make_char_device(const std::string& path, unsigned major, unsigned minor) {
  REQUIRE(::mknod(path.c_str(), S_IFCHR | 0666, makedev(major, minor)) == 0);
}

// The read end of a FIFO, open before any writer comes (so that a writer's non-blocking open
// finds a reader), read on a thread of its own until the writer closes, or for at most 10 s.
class FifoReader {
 public:
  explicit FifoReader(const std::string& path)
      : fd_(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC)) {
    REQUIRE(fd_ >= 0);
    thread_ = std::thread([this] {
      const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
      char buffer[4096];
      while (std::chrono::steady_clock::now() < until) {
        pollfd ready{fd_, POLLIN, 0};
        if (::poll(&ready, 1, 50) <= 0) continue;
        const auto got = ::read(fd_, buffer, sizeof buffer);
        if (got > 0) text_.append(buffer, static_cast<std::size_t>(got));
        // End of file once a writer came and went; before any writer a FIFO reads nothing.
        if (got == 0 && !text_.empty()) break;
      }
    });
  }
  ~FifoReader() {
    if (thread_.joinable()) thread_.join();
    ::close(fd_);
  }
  std::string finish() {
    thread_.join();
    return text_;
  }

 private:
  int fd_;
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
    if (keeps_mode)
      CHECK((lstat_of(path).st_mode & 07777) == 0600);
    else
      CHECK((lstat_of(path).st_mode & 07777) == 0644);  // the NFD file: nfd-worker reads it
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
    CHECK(write(path, "through the fifo") == "");
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
    if (!root_or_skip("making device nodes")) return;
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
    if (!root_or_skip("making device nodes")) return;
    const auto full = temp / "full";
    make_char_device(full, 1, 7);
    CHECK(write(full, "no room").find("No space left on device") != std::string::npos);
    CHECK(S_ISCHR(lstat_of(full).st_mode));
  }
  SECTION("other devices (a disk, /dev/mem-like) are refused untouched") {
    if (!root_or_skip("making device nodes")) return;
    const auto disk = temp / "disk";
    REQUIRE(::mknod(disk.c_str(), S_IFBLK | 0600, makedev(7, 200)) == 0);
    const auto mem = temp / "mem";
    make_char_device(mem, 1, 1);
    CHECK(write(disk, "x").find("refusing") != std::string::npos);
    CHECK(write(mem, "x").find("refusing") != std::string::npos);
    CHECK(S_ISBLK(lstat_of(disk).st_mode));
    CHECK(S_ISCHR(lstat_of(mem).st_mode));
  }
  SECTION("a link to nothing is refused, and nothing is created where it points") {
    fs::create_symlink(temp / "missing.json", temp.path() / "dangling");
    CHECK(write(temp / "dangling", "x").find("a symlink to a missing file") != std::string::npos);
    CHECK_FALSE(fs::exists(temp.path() / "missing.json"));
  }
  SECTION("a link another user planted in a sticky shared directory is not followed") {
    if (!root_or_skip("a link of another owner")) return;
    const auto shared = temp.path() / "shared";
    fs::create_directory(shared);
    ::chmod(shared.c_str(), 01777);
    spit(temp / "precious", "keep me");
    fs::create_symlink(temp / "precious", shared / "report.json");
    REQUIRE(::lchown((shared / "report.json").c_str(), 65534, 65534) == 0);
    CHECK(write((shared / "report.json").string(), "x").find("refusing to follow it") !=
          std::string::npos);
    CHECK(slurp(temp / "precious") == "keep me");
  }
  SECTION("a stale temp file of the same name fails the write and changes nothing") {
    const auto path = temp / "report.json";
    spit(path, "old");
    spit(temp.path() / ".capprobe-1-abcdef-output", "someone's");
    spit(temp.path() / ".capprobe-1-abcdef-nfd", "someone's");
    CHECK(write(path, "new").find("File exists") != std::string::npos);
    CHECK(slurp(path) == "old");
    fs::remove(temp.path() / ".capprobe-1-abcdef-output");
    fs::remove(temp.path() / ".capprobe-1-abcdef-nfd");
  }
  // Nothing of ours is left beside the targets.
  for (const auto& entry : fs::directory_iterator(temp.path()))
    CHECK(entry.path().filename().string().rfind(".capprobe-", 0) != 0);
}

}  // namespace

TEST_CASE(
    "probe -o replaces only regular files, devices, FIFOs and links are written through or refused",
    "[output]") {
  check_targets(
      [](const std::string& path, const std::string& text) {
        return capprobe::agent::write_file_atomically(path, text, ".capprobe-1-abcdef-output");
      },
      [](const std::string& text) { return text; }, true);
}

TEST_CASE(
    "agent --nfd-file replaces only regular files, devices, FIFOs and links are written through "
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
