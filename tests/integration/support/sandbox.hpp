// The real sandboxes the integration tests build around capprobe (cgroup v1 groups, a private
// mount namespace, an unprivileged user), the guards that always take them down again, and the
// one sanctioned way for a test to skip: the machine lacks the facility itself.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <initializer_list>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace capprobe::it {

// The capprobe binary under test (the build's $<TARGET_FILE:capprobe>).
std::string capprobe_path();

// Hang bounds, not performance targets (tests/bench measures those): a full run is a few
// seconds, but CI machines are slow and shared.
inline constexpr std::chrono::milliseconds kQuickRunTimeout{20000};
inline constexpr std::chrono::milliseconds kFullRunTimeout{60000};

// Every name a test creates starts with this, ends with "-<pid of the test>", so that a later
// run recognises what a crashed run left behind.
inline constexpr const char* kTestPrefix = "capprobe-it-";
std::string test_name(const std::string& purpose);  // "capprobe-it-<purpose>-<our pid>"

// The only reasons a test may skip. Anything else that goes wrong is a failure, also in CI
// (CI=true), so nothing flaky can hide behind a skip.
enum class Facility {
  root,              // euid 0: cgroups, mounts, namespaces, setpriv
  unshare,           // util-linux unshare(1)
  setpriv,           // util-linux setpriv(1)
  cgroup_v1_cpu,     // the v1 cpu controller mounted at /sys/fs/cgroup/cpu
  cgroup_v1_memory,  // the v1 memory controller mounted at /sys/fs/cgroup/memory
  fuse,              // /dev/fuse and the kernel's fuse filesystem (FuseMount)
  // uid 65534 may create a user namespace: the kernel has them (user.max_user_namespaces > 0),
  // Debian's kernel.unprivileged_userns_clone is not 0, and no seccomp filter or LSM refuses
  // unshare(CLONE_NEWUSER) (tried once, in a forked child that becomes 65534 when we are root).
  unprivileged_userns,
  cgroup_v1_cpuset,  // the v1 cpuset controller mounted at /sys/fs/cgroup/cpuset
  taskset,           // util-linux taskset(1)
  several_cpus,      // at least two CPUs online: only then can a process be held to fewer
};

// The CPUs online, as /sys/devices/system/cpu/online lists them ("0-1"), or "" when unreadable.
std::string online_cpu_list();
// How many CPUs that list names (0 when unreadable).
int online_cpu_count();

// Why the facility is missing here, or nullopt when it is present.
std::optional<std::string> missing(Facility facility);
std::optional<std::string> first_missing(std::initializer_list<Facility> facilities);

// Prints "SKIPPED: <reason>" (ctest's SKIP_REGULAR_EXPRESSION turns the test into a skip).
void report_skip(const std::string& reason);

// Skip the current test (return from it) unless every facility is present.
#define CAPPROBE_IT_NEEDS(...)                                                 \
  do {                                                                         \
    if (auto capprobe_it_why = ::capprobe::it::first_missing({__VA_ARGS__})) { \
      ::capprobe::it::report_skip(*capprobe_it_why);                           \
      return;                                                                  \
    }                                                                          \
  } while (false)

// A cgroup v1 group /sys/fs/cgroup/<controller>/capprobe-it-<purpose>-<pid>, created on
// construction and removed on destruction (members are killed first), also when the test
// fails. Throws std::runtime_error when it cannot be created.
class CgroupV1Group {
 public:
  CgroupV1Group(const std::string& controller, const std::string& purpose);
  ~CgroupV1Group();
  CgroupV1Group(const CgroupV1Group&) = delete;
  CgroupV1Group& operator=(const CgroupV1Group&) = delete;

  const std::filesystem::path& path() const { return path_; }
  void write(const std::string& file, const std::string& value) const;  // throws with errno
  std::string read(const std::string& file) const;                      // trimmed; throws
  // `sh -c` that moves itself into the group and then execs argv, so that the command runs in
  // the group from its first instruction (and its pid is the one spawned).
  std::vector<std::string> wrap(const std::vector<std::string>& argv) const;
  // Removes the group now; returns an empty string on success, else what went wrong.
  std::string remove();

 private:
  std::filesystem::path path_;
  bool removed_ = false;
};

// A directory /tmp/capprobe-it-<purpose>-<pid> (mode 0755), removed with its contents.
class TempDir {
 public:
  explicit TempDir(const std::string& purpose);
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path write_file(const std::string& name, const std::string& content,
                                   std::filesystem::perms perms) const;

 private:
  std::filesystem::path path_;
};

// Whether / is writable in *our* mount namespace: the statvfs flag and a real create/unlink of
// /capprobe-it-rw-<pid>. Returns nullopt when writable, else why not.
std::optional<std::string> root_not_writable();

// Watches / around a test that remounts it read-only inside a private namespace: should the
// remount ever escape into our namespace, the destructor puts / back to read-write.
class RootWritableGuard {
 public:
  RootWritableGuard();
  ~RootWritableGuard();
  RootWritableGuard(const RootWritableGuard&) = delete;
  RootWritableGuard& operator=(const RootWritableGuard&) = delete;

 private:
  bool writable_at_start_;
};

// Moves the test process into a new private mount namespace (mounts made there are invisible
// to the rest of the machine and vanish with it) and back into the original on destruction.
// The process must be single-threaded while constructing and destroying it (setns/unshare).
class PrivateMountNamespace {
 public:
  PrivateMountNamespace();  // throws std::runtime_error
  ~PrivateMountNamespace();
  PrivateMountNamespace(const PrivateMountNamespace&) = delete;
  PrivateMountNamespace& operator=(const PrivateMountNamespace&) = delete;

 private:
  int original_ = -1;
};

// A small tmpfs mounted over `path` (created if missing) and unmounted on destruction. Meant
// inside a PrivateMountNamespace.
class TmpfsMount {
 public:
  explicit TmpfsMount(const std::string& path);  // throws std::runtime_error
  ~TmpfsMount();
  TmpfsMount(const TmpfsMount&) = delete;
  TmpfsMount& operator=(const TmpfsMount&) = delete;

 private:
  std::string path_;
};

// A FUSE filesystem (tests/integration/support/fuse_dir.cpp) that passes everything through to
// a backing directory, mounted at `mount_point` (created if missing) by a server process of its
// own. stop() sends the server SIGSTOP: from then on every access to the mount blocks, as on a
// hung NFS server or a dead CSI driver. The destructor lets the server go on, unmounts and ends
// it. Meant inside a PrivateMountNamespace; throws std::runtime_error when it cannot mount.
class FuseMount {
 public:
  FuseMount(const std::string& backing_dir, const std::string& mount_point, bool no_symlinks);
  ~FuseMount();
  FuseMount(const FuseMount&) = delete;
  FuseMount& operator=(const FuseMount&) = delete;

  void stop();  // the server stops answering
  const std::string& mount_point() const { return mount_point_; }

 private:
  std::string mount_point_;
  pid_t server_ = -1;
};

// The places capprobe may write scratch files (DESIGN.md "No residue"): /tmp, /, /etc, /var/tmp.
const std::vector<std::string>& residue_dirs();

// Every ".capprobe-" entry in residue_dirs(), as full paths.
std::set<std::string> capprobe_entries();

// Entries in `after` that were not in `before` and are not a live process's scratch (another
// capprobe may be running on this machine). Entries whose pid is in `ours` count even when a
// process with that pid lives: capprobe in a PID namespace names its scratch with pid 1.
std::vector<std::string> new_residue(const std::set<std::string>& before,
                                     const std::set<std::string>& after,
                                     const std::set<pid_t>& ours = {});

// Removes what an earlier, crashed test run left: capprobe-it-* cgroups in every v1 hierarchy
// and in the unified one, and /tmp/capprobe-it-* and /capprobe-it-* entries, whose pid is no
// longer alive.
// Returns the paths it removed (and, prefixed "cannot remove ", those it could not).
std::vector<std::string> sweep_stale_test_residue();

}  // namespace capprobe::it
