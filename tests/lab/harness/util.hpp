// Small helpers the lab harness shares: whole-file reads and writes, commands that must succeed,
// a content fingerprint for the image caches, a file lock, and the one way to skip a scenario.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "tests/integration/support/run.hpp"

namespace capprobe::lab {

namespace fs = std::filesystem;

// Thrown when this machine truly lacks a facility a scenario needs (not root, no runc, no
// qemu-system-x86_64, no kernel package to be had). The runner prints "SKIPPED: <reason>" and
// ctest reports the scenario skipped; any other problem is a failure.
struct Skip : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::string read_file(const fs::path& path);  // throws std::runtime_error
void write_file(const fs::path& path, std::string_view content,
                fs::perms perms = fs::perms::owner_read | fs::perms::owner_write |
                                  fs::perms::group_read | fs::perms::others_read);
// Writes a kernel control file (cgroup, /proc/sys) in one write; throws with the errno.
void write_control(const fs::path& path, std::string_view value);
std::string trim(std::string_view text);
std::vector<std::string> split(std::string_view text, char separator);

// The absolute path of a program found in PATH, or nullopt.
std::optional<fs::path> find_program(const std::string& name);
// The program's path, or throws Skip naming the Debian package that provides it.
fs::path require_program(const std::string& name, const std::string& package);
void require_root();

// Runs argv with a hard timeout; throws std::runtime_error (with what it said) unless it exits 0.
it::RunResult run_checked(const std::vector<std::string>& argv, std::chrono::seconds timeout,
                          const it::RunOptions& options = {});

// FNV-1a over everything added: a cache key, not a security boundary.
class Fingerprint {
 public:
  void add(std::string_view bytes);
  void add_file(const fs::path& path);  // the path and the whole content
  std::string hex() const;

 private:
  std::uint64_t hash_ = 1469598103934665603ull;
};

// An exclusive flock(2) on a file, held for the object's lifetime: two scenarios started at
// once (ctest -j) must not build the same image twice.
class FileLock {
 public:
  explicit FileLock(const fs::path& path);
  ~FileLock();
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  int fd_ = -1;
};

// Seconds since `start`, for the timings every scenario prints.
double seconds_since(std::chrono::steady_clock::time_point start);

// Whether a process with this pid exists (a scratch directory named after a dead runner is stale).
bool process_alive(int pid);

// Where `path` lives inside its own filesystem, as /proc/self/mountinfo's "root" field shows it
// to a bind mount of that path (a bind of /work/x from a filesystem mounted at /work is "/x").
std::string path_in_filesystem(const fs::path& path);

}  // namespace capprobe::lab
