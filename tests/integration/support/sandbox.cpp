// Sandboxes and their guards. Cleanup paths never throw: a guard that fails to clean up says so
// on stderr and the next run's sweep_stale_test_residue() finishes the job.
#include "tests/integration/support/sandbox.hpp"

#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

#include "tests/integration/support/run.hpp"

namespace capprobe::it {
namespace fs = std::filesystem;
namespace {

std::string errno_text(int error) {
  return std::strerror(error);
}

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::string part;
  std::istringstream stream(text);
  while (std::getline(stream, part, separator)) parts.push_back(part);
  return parts;
}

struct CgroupMount {
  std::string type;  // "cgroup" or "cgroup2"
  fs::path point;
  std::vector<std::string> options;  // super options: "rw", "cpu", "memory", "name=systemd"
};

// The cgroup hierarchies mounted in our mount namespace, from /proc/self/mountinfo.
std::vector<CgroupMount> cgroup_mounts() {
  std::vector<CgroupMount> mounts;
  std::ifstream mountinfo("/proc/self/mountinfo");
  std::string line;
  while (std::getline(mountinfo, line)) {
    const auto dash = line.find(" - ");
    if (dash == std::string::npos) continue;
    const auto before = split(line.substr(0, dash), ' ');
    const auto after = split(line.substr(dash + 3), ' ');
    if (before.size() < 5 || after.size() < 3) continue;
    if (after[0] != "cgroup" && after[0] != "cgroup2") continue;
    mounts.push_back({after[0], before[4], split(after[2], ',')});
  }
  return mounts;
}

std::optional<fs::path> cgroup_v1_mount(const std::string& controller) {
  for (const auto& mount : cgroup_mounts()) {
    if (mount.type != "cgroup") continue;
    for (const auto& option : mount.options)
      if (option == controller) return mount.point;
  }
  return std::nullopt;
}

bool in_path(const std::string& program) {
  const char* path = std::getenv("PATH");
  for (const auto& dir : split(path ? path : "/usr/bin:/bin", ':')) {
    const auto candidate = fs::path(dir.empty() ? "." : dir) / program;
    if (access(candidate.c_str(), X_OK) == 0) return true;
  }
  return false;
}

bool kernel_has_filesystem(const std::string& type) {
  std::ifstream filesystems("/proc/filesystems");
  std::string line;
  while (std::getline(filesystems, line)) {
    const auto tab = line.rfind('\t');
    if (line.substr(tab == std::string::npos ? 0 : tab + 1) == type) return true;
  }
  return false;
}

// Whether `point` is a mount point in our mount namespace now.
bool is_mounted(const std::string& point) {
  std::ifstream mountinfo("/proc/self/mountinfo");
  std::string line;
  while (std::getline(mountinfo, line)) {
    const auto fields = split(line, ' ');
    if (fields.size() > 4 && fields[4] == point) return true;
  }
  return false;
}

bool alive(pid_t pid) {
  return pid > 0 && (kill(pid, 0) == 0 || errno == EPERM);
}

// The pid at the end of "capprobe-it-<purpose>-<pid>", or -1.
pid_t trailing_pid(const std::string& name) {
  const auto dash = name.rfind('-');
  if (dash == std::string::npos || dash + 1 >= name.size()) return -1;
  const auto digits = name.substr(dash + 1);
  if (digits.find_first_not_of("0123456789") != std::string::npos) return -1;
  return static_cast<pid_t>(std::stol(digits));
}

// The pid in ".capprobe-<pid>-<nonce>...", or -1.
pid_t scratch_pid(const std::string& name) {
  const std::string prefix = ".capprobe-";
  if (name.rfind(prefix, 0) != 0) return -1;
  const auto end = name.find_first_not_of("0123456789", prefix.size());
  const auto digits = name.substr(prefix.size(), end - prefix.size());
  if (digits.empty()) return -1;
  return static_cast<pid_t>(std::stol(digits));
}

std::vector<pid_t> members(const fs::path& group) {
  std::vector<pid_t> pids;
  std::ifstream procs(group / "cgroup.procs");
  pid_t pid = 0;
  while (procs >> pid) pids.push_back(pid);
  return pids;
}

// Kills what still runs in the group (and its child groups), then removes them bottom-up.
std::string remove_cgroup(const fs::path& group) {
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(group, error))
    if (entry.is_directory(error) && !entry.is_symlink(error)) {
      const auto problem = remove_cgroup(entry.path());
      if (!problem.empty()) return problem;
    }
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (true) {
    const auto pids = members(group);
    for (pid_t pid : pids) kill(pid, SIGKILL);
    if (rmdir(group.c_str()) == 0 || errno == ENOENT) return "";
    if (errno != EBUSY || std::chrono::steady_clock::now() > give_up)
      return "rmdir " + group.string() + ": " + errno_text(errno) + " (" +
             std::to_string(pids.size()) + " processes left in it)";
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

// The first line of a small file, or nullopt when it cannot be read.
std::optional<std::string> first_line(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  if (!in || !std::getline(in, line)) return std::nullopt;
  return line;
}

// Why uid 65534 cannot create a user namespace here, or nullopt when it can.
std::optional<std::string> unprivileged_userns_missing() {
  const auto max = first_line("/proc/sys/user/max_user_namespaces");
  if (!max)
    return std::string(
        "no /proc/sys/user/max_user_namespaces: this kernel has no user namespaces "
        "(CONFIG_USER_NS)");
  if (*max == "0") return std::string("user.max_user_namespaces is 0: user namespaces are off");
  if (first_line("/proc/sys/kernel/unprivileged_userns_clone") == std::string("0"))
    return std::string(
        "kernel.unprivileged_userns_clone is 0: only privileged users may create user "
        "namespaces");
  // The knobs allow it; a seccomp filter (a container's default profile) or an LSM may still
  // refuse. Only async-signal-safe calls in the child.
  const pid_t child = fork();
  if (child < 0) return "fork: " + errno_text(errno);
  if (child == 0) {
    if (geteuid() == 0 && (setgroups(0, nullptr) != 0 || setgid(65534) != 0 || setuid(65534) != 0))
      _exit(200);
    _exit(unshare(CLONE_NEWUSER) == 0 ? 0 : errno & 0xff);
  }
  int status = 0;
  while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status)) return std::string("the user namespace trial child did not exit");
  const int code = WEXITSTATUS(status);
  if (code == 0) return std::nullopt;
  if (code == 200) return std::string("cannot become uid 65534 here (setuid failed)");
  return "unshare(CLONE_NEWUSER) as uid 65534 fails with " + errno_text(code) +
         ": a seccomp filter or an LSM forbids user namespaces here";
}

}  // namespace

std::string capprobe_path() {
  return CAPPROBE_BIN;
}

std::string test_name(const std::string& purpose) {
  return std::string(kTestPrefix) + purpose + "-" + std::to_string(getpid());
}

std::optional<std::string> missing(Facility facility) {
  switch (facility) {
    case Facility::root:
      if (geteuid() != 0)
        return "not root (euid " + std::to_string(geteuid()) +
               "): cgroups, mounts and namespaces need root";
      return std::nullopt;
    case Facility::unshare:
      if (!in_path("unshare")) return std::string("no unshare binary in PATH (util-linux)");
      return std::nullopt;
    case Facility::setpriv:
      if (!in_path("setpriv")) return std::string("no setpriv binary in PATH (util-linux)");
      return std::nullopt;
    case Facility::cgroup_v1_cpu:
      if (!cgroup_v1_mount("cpu"))
        return std::string("the cgroup v1 cpu controller is not mounted");
      return std::nullopt;
    case Facility::cgroup_v1_memory:
      if (!cgroup_v1_mount("memory"))
        return std::string("the cgroup v1 memory controller is not mounted");
      return std::nullopt;
    case Facility::fuse:
      if (access("/dev/fuse", R_OK | W_OK) != 0)
        return "no usable /dev/fuse (" + errno_text(errno) + ")";
      if (!kernel_has_filesystem("fuse"))
        return std::string("the kernel has no fuse filesystem (/proc/filesystems)");
      return std::nullopt;
    case Facility::unprivileged_userns:
      return unprivileged_userns_missing();
    case Facility::cgroup_v1_cpuset:
      if (!cgroup_v1_mount("cpuset"))
        return std::string("the cgroup v1 cpuset controller is not mounted");
      return std::nullopt;
    case Facility::taskset:
      if (!in_path("taskset")) return std::string("no taskset binary in PATH (util-linux)");
      return std::nullopt;
    case Facility::several_cpus:
      if (online_cpu_count() < 2)
        return "only " + std::to_string(online_cpu_count()) +
               " CPU online: no process can be held to fewer";
      return std::nullopt;
  }
  return std::nullopt;
}

std::string online_cpu_list() {
  std::ifstream in("/sys/devices/system/cpu/online");
  std::string list;
  std::getline(in, list);
  return list;
}

int online_cpu_count() {
  // "0-3,8,10-11": each range counts last - first + 1.
  int count = 0;
  std::stringstream parts(online_cpu_list());
  std::string part;
  while (std::getline(parts, part, ',')) {
    const auto dash = part.find('-');
    try {
      count +=
          dash == std::string::npos ? 1 : std::stoi(part.substr(dash + 1)) - std::stoi(part) + 1;
    } catch (const std::exception&) {
      return 0;
    }
  }
  return count;
}

std::optional<std::string> first_missing(std::initializer_list<Facility> facilities) {
  for (auto facility : facilities)
    if (auto why = missing(facility)) return why;
  return std::nullopt;
}

void report_skip(const std::string& reason) {
  std::cout << "SKIPPED: " << reason << std::endl;
}

CgroupV1Group::CgroupV1Group(const std::string& controller, const std::string& purpose) {
  const auto mount = cgroup_v1_mount(controller);
  if (!mount)
    throw std::runtime_error("the cgroup v1 " + controller + " controller is not mounted");
  path_ = *mount / test_name(purpose);
  if (mkdir(path_.c_str(), 0755) != 0) {
    if (errno != EEXIST)
      throw std::runtime_error("mkdir " + path_.string() + ": " + errno_text(errno));
    // Our own pid's leftover can only be a pid reused after a crash: start clean.
    const auto problem = remove_cgroup(path_);
    if (!problem.empty()) throw std::runtime_error(problem);
    if (mkdir(path_.c_str(), 0755) != 0)
      throw std::runtime_error("mkdir " + path_.string() + ": " + errno_text(errno));
  }
}

CgroupV1Group::~CgroupV1Group() {
  const auto problem = remove();
  if (!problem.empty())
    std::cerr << "capprobe-it: cannot remove a test cgroup: " << problem << "\n";
}

void CgroupV1Group::write(const std::string& file, const std::string& value) const {
  const auto target = path_ / file;
  const int fd = open(target.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) throw std::runtime_error("open " + target.string() + ": " + errno_text(errno));
  const auto written = ::write(fd, value.data(), value.size());
  const int error = errno;
  close(fd);
  if (written != static_cast<ssize_t>(value.size()))
    throw std::runtime_error("write '" + value + "' to " + target.string() + ": " +
                             errno_text(error));
}

std::string CgroupV1Group::read(const std::string& file) const {
  std::ifstream in(path_ / file);
  if (!in) throw std::runtime_error("cannot read " + (path_ / file).string());
  std::string value;
  std::getline(in, value);
  return value;
}

std::vector<std::string> CgroupV1Group::wrap(const std::vector<std::string>& argv) const {
  return {"sh", "-c",
          "echo $$ > " + shell_quote({(path_ / "cgroup.procs").string()}) + " && exec " +
              shell_quote(argv)};
}

std::string CgroupV1Group::remove() {
  if (removed_) return "";
  auto problem = remove_cgroup(path_);
  if (problem.empty()) removed_ = true;
  return problem;
}

TempDir::TempDir(const std::string& purpose) : path_(fs::path("/tmp") / test_name(purpose)) {
  fs::remove_all(path_);
  fs::create_directory(path_);
  fs::permissions(path_, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                             fs::perms::others_read | fs::perms::others_exec);
}

TempDir::~TempDir() {
  std::error_code error;
  fs::remove_all(path_, error);
  if (error) std::cerr << "capprobe-it: cannot remove " << path_ << ": " << error.message() << "\n";
}

fs::path TempDir::write_file(const std::string& name, const std::string& content,
                             fs::perms perms) const {
  const auto file = path_ / name;
  std::ofstream(file, std::ios::binary) << content;
  fs::permissions(file, perms);
  return file;
}

std::optional<std::string> root_not_writable() {
  struct statvfs info {};
  if (statvfs("/", &info) != 0) return "statvfs(/): " + errno_text(errno);
  if (info.f_flag & ST_RDONLY) return std::string("statvfs(/) has ST_RDONLY");
  const auto probe = (fs::path("/") / test_name("rw")).string();
  const int fd = open(probe.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
  if (fd < 0) return "creating " + probe + ": " + errno_text(errno);
  close(fd);
  unlink(probe.c_str());
  return std::nullopt;
}

RootWritableGuard::RootWritableGuard() : writable_at_start_(!root_not_writable()) {}

RootWritableGuard::~RootWritableGuard() {
  if (!writable_at_start_ || !root_not_writable()) return;
  // The read-only remount escaped its namespace: undo it, loudly (the test checks this too).
  std::cerr << "capprobe-it: / became read-only outside the sandbox; remounting it read-write\n";
  if (mount("none", "/", nullptr, MS_REMOUNT | MS_BIND, nullptr) != 0)
    std::cerr << "capprobe-it: remount of / failed: " << errno_text(errno) << "\n";
}

PrivateMountNamespace::PrivateMountNamespace() {
  original_ = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
  if (original_ < 0) throw std::runtime_error("open /proc/self/ns/mnt: " + errno_text(errno));
  if (unshare(CLONE_NEWNS) != 0) {
    const int error = errno;
    close(original_);
    throw std::runtime_error("unshare(CLONE_NEWNS): " + errno_text(error));
  }
  // Nothing mounted from here on may propagate back to the machine's namespace.
  if (mount("none", "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
    const int error = errno;
    setns(original_, CLONE_NEWNS);
    close(original_);
    throw std::runtime_error("making / private: " + errno_text(error));
  }
}

PrivateMountNamespace::~PrivateMountNamespace() {
  if (setns(original_, CLONE_NEWNS) != 0)
    std::cerr << "capprobe-it: cannot return to the original mount namespace: " << errno_text(errno)
              << "\n";
  close(original_);
}

FuseMount::FuseMount(const std::string& backing_dir, const std::string& mount_point,
                     bool no_symlinks)
    : mount_point_(mount_point) {
  std::error_code ignored;
  fs::create_directories(mount_point_, ignored);
  std::vector<std::string> argv = {CAPPROBE_IT_FUSE};
  if (no_symlinks) argv.push_back("--no-symlinks");
  argv.push_back(backing_dir);
  argv.push_back(mount_point_);
  server_ = fork();
  if (server_ < 0) throw std::runtime_error("fork: " + errno_text(errno));
  if (server_ == 0) {
    std::vector<char*> args;
    for (auto& arg : argv) args.push_back(arg.data());
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  // The server mounts before it serves; wait for the mount to show, not for a fixed time.
  for (int i = 0; i < 1000 && !is_mounted(mount_point_); ++i) {
    int status = 0;
    if (waitpid(server_, &status, WNOHANG) == server_) {
      server_ = -1;
      throw std::runtime_error("the FUSE server for " + mount_point_ + " exited at start");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (!is_mounted(mount_point_)) {
    kill(server_, SIGKILL);
    waitpid(server_, nullptr, 0);
    server_ = -1;
    throw std::runtime_error("the FUSE server did not mount " + mount_point_ + " within 10 s");
  }
}

void FuseMount::stop() {
  if (server_ > 0) kill(server_, SIGSTOP);
}

FuseMount::~FuseMount() {
  if (server_ <= 0) return;
  // Detach first, so that nothing new reaches the mount, then let the server answer what is
  // still waiting and end it.
  if (umount2(mount_point_.c_str(), MNT_DETACH) != 0)
    std::cerr << "capprobe-it: cannot unmount " << mount_point_ << ": " << errno_text(errno)
              << "\n";
  kill(server_, SIGCONT);
  kill(server_, SIGTERM);
  for (int i = 0; i < 500; ++i) {
    if (waitpid(server_, nullptr, WNOHANG) == server_) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  kill(server_, SIGKILL);
  waitpid(server_, nullptr, 0);
}

TmpfsMount::TmpfsMount(const std::string& path) : path_(path) {
  std::error_code ignored;
  fs::create_directories(path_, ignored);
  if (mount("capprobe-it", path_.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=0755") != 0)
    throw std::runtime_error("mount tmpfs on " + path_ + ": " + errno_text(errno));
}

TmpfsMount::~TmpfsMount() {
  if (umount2(path_.c_str(), MNT_DETACH) != 0)
    std::cerr << "capprobe-it: cannot unmount " << path_ << ": " << errno_text(errno) << "\n";
}

const std::vector<std::string>& residue_dirs() {
  static const std::vector<std::string> dirs = {"/tmp", "/", "/etc", "/var/tmp"};
  return dirs;
}

std::set<std::string> capprobe_entries() {
  std::set<std::string> entries;
  for (const auto& dir : residue_dirs()) {
    std::error_code error;
    for (const auto& entry : fs::directory_iterator(dir, error)) {
      const auto name = entry.path().filename().string();
      if (name.rfind(".capprobe-", 0) == 0) entries.insert(entry.path().string());
    }
  }
  return entries;
}

std::vector<std::string> new_residue(const std::set<std::string>& before,
                                     const std::set<std::string>& after,
                                     const std::set<pid_t>& ours) {
  std::vector<std::string> residue;
  for (const auto& entry : after) {
    if (before.count(entry)) continue;
    const pid_t pid = scratch_pid(fs::path(entry).filename().string());
    if (pid > 0 && !ours.count(pid) && alive(pid)) continue;
    residue.push_back(entry);
  }
  return residue;
}

std::vector<std::string> sweep_stale_test_residue() {
  std::vector<std::string> swept;
  auto consider = [&](const fs::path& entry, bool is_cgroup) {
    const auto name = entry.filename().string();
    if (name.rfind(kTestPrefix, 0) != 0) return;
    const pid_t pid = trailing_pid(name);
    if (pid < 0 || alive(pid)) return;
    std::string problem;
    if (is_cgroup) {
      problem = remove_cgroup(entry);
    } else {
      std::error_code error;
      fs::remove_all(entry, error);
      if (error) problem = error.message();
    }
    swept.push_back(problem.empty() ? entry.string()
                                    : "cannot remove " + entry.string() + ": " + problem);
  };
  std::error_code error;
  for (const auto& mount : cgroup_mounts())
    for (const auto& entry : fs::directory_iterator(mount.point, error))
      if (entry.is_directory(error)) consider(entry.path(), true);
  for (const char* dir : {"/tmp", "/"})  // TempDir and root_not_writable()'s probe file
    for (const auto& entry : fs::directory_iterator(dir, error)) consider(entry.path(), false);
  return swept;
}

}  // namespace capprobe::it
