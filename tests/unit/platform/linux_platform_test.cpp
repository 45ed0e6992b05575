// The real Linux platform against the real OS: errno names, system-root resolution, links and
// safe removal, connect-only sockets, the bounded CPU burn and the forked memory trial. This is
// the platform's own test, so it sets up its fixtures (sockets, mounts, children) with OS calls.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <cerrno>
#include <cstring>
#include <iostream>
#include <sstream>
#include <thread>

#include "platform/linux/errno_names.hpp"
#include "platform/linux/linux_platform.hpp"
#include "platform/make_platform.hpp"

using namespace capprobe::platform;
using namespace std::chrono_literals;

namespace {

constexpr std::uint64_t kMiB = 1ull << 20;

// A private directory made by the platform under test and removed by it at the end.
class Scratch {
 public:
  explicit Scratch(LinuxPlatform& os)
      : os_(os), path_(os.make_private_dir(os.temp_dir(), ".capprobe-test-").value()) {}
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  ~Scratch() { (void)os_.remove_tree(path_); }
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  LinuxPlatform& os_;
  std::string path_;
};

void skip(const std::string& why) {
  std::cout << "SKIPPED: " << why << std::endl;
}

// "VmSize:\t  3060 kB" -> 3060 * 1024; MemAvailable likewise from /proc/meminfo.
std::uint64_t kib_field(const std::string& text, const std::string& key) {
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind(key + ":", 0) == 0) return std::stoull(line.substr(key.size() + 1)) * 1024;
  }
  FAIL("no " << key << " in the text");
  return 0;
}

bool no_children_left() {
  errno = 0;
  return ::waitpid(-1, nullptr, WNOHANG) == -1 && errno == ECHILD;
}

int unix_listener(const std::string& path, int backlog) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(fd >= 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  REQUIRE(path.size() < sizeof address.sun_path);
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  REQUIRE(::listen(fd, backlog) == 0);
  return fd;
}

}  // namespace

TEST_CASE("errno values get their symbolic names", "[linux]") {
  CHECK(posix::errno_name(EROFS) == "EROFS");
  CHECK(posix::errno_name(ENOENT) == "ENOENT");
  CHECK(posix::errno_name(ECONNREFUSED) == "ECONNREFUSED");
  CHECK(posix::errno_name(4000) == "E4000");  // no such errno: still reads as one
  errno = EACCES;
  const auto error = posix::last_error("open", "/x");
  CHECK(error.code == EACCES);
  CHECK(error.name == "EACCES");
  CHECK(error.context == "open /x");
  CHECK(error.is_denied());
}

TEST_CASE("reads proc files, directories and links of this process", "[linux]") {
  LinuxPlatform os;
  const auto status = os.read_file("/proc/self/status");
  REQUIRE(status.ok());
  CHECK_THAT(status.value(), Catch::Contains("\nPid:\t" + std::to_string(os.self_pid()) + "\n"));
  CHECK(os.read_file("/proc/self/status", 10).value().size() == 10);
  // Longer than one read chunk, from a file with no end: the loop stops at max_bytes.
  CHECK(os.read_file("/dev/zero", 100'000).value() == std::string(100'000, '\0'));

  const auto missing = os.read_file("/proc/self/no-such-file");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().name == "ENOENT");
  CHECK(missing.error().context == "open /proc/self/no-such-file");
  CHECK(os.read_file("/proc/self").error().name == "EISDIR");

  const auto ns = os.list_dir("/proc/self/ns");
  REQUIRE(ns.ok());
  const auto& names = ns.value();
  CHECK(std::find(names.begin(), names.end(), "pid") != names.end());
  CHECK(std::find(names.begin(), names.end(), "net") != names.end());
  CHECK(std::find(names.begin(), names.end(), ".") == names.end());
  CHECK(std::find(names.begin(), names.end(), "..") == names.end());
  CHECK(std::is_sorted(names.begin(), names.end()));
  CHECK_THAT(os.read_link("/proc/self/ns/pid").value(), Catch::StartsWith("pid:["));
  CHECK(os.lstat("/proc/self/ns/pid").value().kind == FileKind::symlink);
  CHECK(os.stat("/proc/self").value().kind == FileKind::directory);
  CHECK(os.read_link("/proc/self/status").error().name == "EINVAL");
  CHECK(os.list_dir("/proc/self/status").error().name == "ENOTDIR");
}

TEST_CASE("system paths resolve under the system root but exercise paths do not", "[linux]") {
  LinuxPlatform os;
  Scratch tree(os);
  REQUIRE(os.make_dir(tree / "etc").ok());
  REQUIRE(os.create_file_exclusive(tree / "etc/os-release", "ID=fixture\n").ok());
  REQUIRE(os.make_symlink("os-release", tree / "etc/link").ok());

  LinuxPlatform rooted(tree.path() + "/");  // a trailing slash is tolerated
  CHECK(rooted.system_root() == tree.path());
  CHECK(rooted.under_root("/etc/os-release") == tree / "etc/os-release");
  CHECK(rooted.under_root("/") == tree.path());
  CHECK(rooted.read_file("/etc/os-release").value() == "ID=fixture\n");
  CHECK(rooted.read_file("etc/os-release").value() == "ID=fixture\n");
  CHECK(rooted.read_file("/../../etc/./os-release").value() == "ID=fixture\n");  // never climbs out
  CHECK(rooted.list_dir("/").value() == std::vector<std::string>{"etc"});
  CHECK(rooted.list_dir("/etc").value() == std::vector<std::string>{"link", "os-release"});
  CHECK(rooted.read_link("/etc/link").value() == "os-release");
  CHECK(rooted.lstat("/etc/link").value().kind == FileKind::symlink);
  CHECK(rooted.stat("/etc/link").value().kind == FileKind::regular);
  const auto absent = rooted.read_file("/proc/self/status");
  REQUIRE_FALSE(absent.ok());
  CHECK(absent.error().name == "ENOENT");
  CHECK(absent.error().context == "open " + tree.path() + "/proc/self/status");
  CHECK(rooted.link_info(tree / "etc").value().kind == FileKind::directory);  // own view

  CHECK(LinuxPlatform("/").under_root("/proc/x/../y") == "/proc/x/../y");  // "/" changes nothing
  CHECK(LinuxPlatform("").system_root() == "/");
  const auto native = make_native_platform(tree.path());
  CHECK(linux_facts(*native).read_file("/etc/os-release").value() == "ID=fixture\n");
}

TEST_CASE("private dirs, files and symlinks are made, followed and removed", "[linux]") {
  LinuxPlatform os;
  const auto made = os.make_private_dir(os.temp_dir(), ".capprobe-test-");
  REQUIRE(made.ok());
  const std::string dir = made.value();
  CHECK_THAT(dir, Catch::StartsWith(os.temp_dir() + "/.capprobe-test-"));
  const auto dir_info = os.link_info(dir).value();
  CHECK(dir_info.kind == FileKind::directory);
  CHECK(dir_info.mode == 0700);

  const std::string nonce = "nonce-" + std::to_string(os.self_pid());
  REQUIRE(os.create_file_exclusive(dir + "/f", nonce).ok());
  const auto file_info = os.link_info(dir + "/f").value();
  CHECK(file_info.kind == FileKind::regular);
  CHECK(file_info.mode == 0600);
  CHECK(file_info.size == nonce.size());
  const auto now = std::chrono::system_clock::to_time_t(os.wall_now());
  CHECK(std::abs(static_cast<long long>(file_info.modified_unix - now)) < 60);
  REQUIRE(os.make_dir(dir + "/d").ok());
  CHECK(os.link_info(dir + "/d").value().mode == 0700);
  REQUIRE(os.create_file_exclusive(dir + "/d/inner", "x").ok());

  REQUIRE(os.make_symlink(dir + "/f", dir + "/file_abs").ok());
  REQUIRE(os.make_symlink("f", dir + "/file_rel").ok());
  REQUIRE(os.make_symlink(dir + "/d", dir + "/dir_abs").ok());
  REQUIRE(os.make_symlink("d", dir + "/dir_rel").ok());
  REQUIRE(os.make_symlink("missing", dir + "/dangling").ok());
  CHECK(os.make_symlink("f", dir + "/file_rel").error().name == "EEXIST");

  for (const auto* link : {"/file_abs", "/file_rel"}) {
    CHECK(os.read_through(dir + link, 1024).value() == nonce);
    CHECK(os.link_info(dir + link).value().kind == FileKind::symlink);
  }
  for (const auto* link : {"/dir_abs", "/dir_rel"}) {
    CHECK(os.list_through(dir + link).value() == std::vector<std::string>{"inner"});
  }
  CHECK(os.link_target(dir + "/file_rel").value() == "f");
  CHECK(os.link_target(dir + "/dir_abs").value() == dir + "/d");
  CHECK(os.read_through(dir + "/dangling", 10).error().name == "ENOENT");
  CHECK(os.link_info(dir + "/dangling").value().kind == FileKind::symlink);
  CHECK(os.link_target(dir + "/f").error().name == "EINVAL");

  // A FIFO with no writer must not hang a read (bounded time).
  REQUIRE(::mkfifo((dir + "/fifo").c_str(), 0600) == 0);
  CHECK(os.read_through(dir + "/fifo", 10).value().empty());

  CHECK(os.remove(dir + "/file_rel").ok());
  CHECK(os.link_info(dir + "/file_rel").error().name == "ENOENT");
  CHECK(os.read_through(dir + "/f", 100).value() == nonce);  // removing a link keeps its target
  CHECK(os.remove(dir + "/d").error().name == "ENOTEMPTY");
  CHECK(os.remove(dir + "/d/inner").ok());
  CHECK(os.remove(dir + "/d").ok());
  CHECK(os.remove(dir + "/d").error().name == "ENOENT");

  REQUIRE(os.remove_tree(dir).ok());
  CHECK(os.link_info(dir).error().name == "ENOENT");
}

TEST_CASE("create_file_exclusive never touches an existing file or link", "[linux]") {
  LinuxPlatform os;
  Scratch dir(os);
  REQUIRE(os.create_file_exclusive(dir / "once", "first").ok());
  const auto again = os.create_file_exclusive(dir / "once", "second");
  REQUIRE_FALSE(again.ok());
  CHECK(again.error().name == "EEXIST");
  CHECK(os.read_through(dir / "once", 100).value() == "first");
  REQUIRE(os.make_symlink(dir / "elsewhere", dir / "link").ok());
  CHECK(os.create_file_exclusive(dir / "link", "x").error().name == "EEXIST");
  CHECK(os.link_info(dir / "elsewhere").error().name == "ENOENT");
  CHECK(os.create_file_exclusive(dir / "no/such/dir", "x").error().name == "ENOENT");
}

TEST_CASE("remove_tree removes links, never what they point to", "[linux]") {
  LinuxPlatform os;
  Scratch outside(os);
  REQUIRE(os.create_file_exclusive(outside / "keep", "precious").ok());
  REQUIRE(os.make_dir(outside / "sub").ok());
  REQUIRE(os.create_file_exclusive(outside / "sub/deep", "also precious").ok());

  const std::string tree = os.make_private_dir(os.temp_dir(), ".capprobe-test-").value();
  REQUIRE(os.make_dir(tree + "/a").ok());
  REQUIRE(os.make_dir(tree + "/a/b").ok());
  REQUIRE(os.create_file_exclusive(tree + "/a/b/file", "mine").ok());
  REQUIRE(os.make_symlink(outside.path(), tree + "/a/dir_abs").ok());
  const auto outside_name = outside.path().substr(outside.path().rfind('/') + 1);
  REQUIRE(os.make_symlink("../../" + outside_name, tree + "/a/dir_rel").ok());
  REQUIRE(os.list_through(tree + "/a/dir_rel").ok());  // the relative link really leads outside
  REQUIRE(os.make_symlink(outside / "keep", tree + "/a/b/file_link").ok());

  REQUIRE(os.remove_tree(tree).ok());
  CHECK(os.link_info(tree).error().name == "ENOENT");
  CHECK(os.read_through(outside / "keep", 100).value() == "precious");
  CHECK(os.read_through(outside / "sub/deep", 100).value() == "also precious");

  // A link at the top: the link goes, the directory it names stays.
  REQUIRE(os.make_symlink(outside.path(), outside.path() + "-link").ok());
  REQUIRE(os.remove_tree(outside.path() + "-link").ok());
  CHECK(os.link_info(outside.path() + "-link").error().name == "ENOENT");
  CHECK(os.read_through(outside / "keep", 100).value() == "precious");

  // With a trailing slash the kernel would follow the link: still only the link goes.
  REQUIRE(os.make_symlink(outside.path(), outside.path() + "-link").ok());
  REQUIRE(os.remove_tree(outside.path() + "-link//").ok());
  CHECK(os.link_info(outside.path() + "-link").error().name == "ENOENT");
  CHECK(os.read_through(outside / "keep", 100).value() == "precious");

  CHECK(os.remove_tree(outside / "no-such").error().name == "ENOENT");
  CHECK(os.remove_tree("/").error().name == "EINVAL");
  CHECK(os.remove_tree("").error().name == "EINVAL");
}

TEST_CASE("remove_tree does not enter another filesystem and fs_info sees tmpfs and ro",
          "[linux]") {
  LinuxPlatform os;
  if (::geteuid() != 0) return skip("mounting a tmpfs needs root");
  // A private mount namespace: the mount never shows outside this process, and goes with it.
  if (::unshare(CLONE_NEWNS) != 0) return skip("unshare(CLONE_NEWNS): " + posix::errno_name(errno));
  REQUIRE(::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) == 0);
  Scratch tree(os);
  REQUIRE(os.make_dir(tree / "mnt").ok());
  REQUIRE(os.create_file_exclusive(tree / "plain", "x").ok());
  const std::string mnt = tree / "mnt";
  if (::mount("tmpfs", mnt.c_str(), "tmpfs", 0, "size=1m") != 0) {
    return skip("mount tmpfs: " + posix::errno_name(errno));
  }
  struct Unmount {
    std::string path;
    ~Unmount() { ::umount2(path.c_str(), MNT_DETACH); }
  } unmount{mnt};
  REQUIRE(os.create_file_exclusive(mnt + "/on_other_fs", "x").ok());

  const auto fs = os.fs_info(mnt);
  REQUIRE(fs.ok());
  CHECK(fs.value().fs_magic == 0x01021994);
  CHECK_FALSE(fs.value().read_only);
  CHECK(fs.value().total_bytes == 1 * kMiB);

  const auto removed = os.remove_tree(tree.path());
  REQUIRE_FALSE(removed.ok());
  CHECK(removed.error().name == "EXDEV");
  CHECK(os.link_info(mnt + "/on_other_fs").ok());                // not crossed
  CHECK(os.link_info(tree / "plain").error().name == "ENOENT");  // what could go, went

  REQUIRE(::mount(nullptr, mnt.c_str(), nullptr, MS_REMOUNT | MS_RDONLY, nullptr) == 0);
  CHECK(os.fs_info(mnt).value().read_only);
  CHECK(os.create_file_exclusive(mnt + "/new", "x").error().name == "EROFS");
}

TEST_CASE("fs_info of / and of a tmpfs", "[linux]") {
  LinuxPlatform os;
  const auto root = os.fs_info("/");
  REQUIRE(root.ok());
  CHECK(root.value().total_bytes > 0);
  CHECK(root.value().fs_magic != 0);
  CHECK(os.fs_info("/no/such/path").error().name == "ENOENT");

  std::istringstream mounts(os.read_file("/proc/self/mounts").value());
  std::string device, mount_point, type, options;
  std::string line;
  while (std::getline(mounts, line)) {
    std::istringstream fields(line);
    fields >> device >> mount_point >> type >> options;
    if (type == "tmpfs") break;
    type.clear();
  }
  if (type != "tmpfs") return skip("no tmpfs mounted here");
  const auto tmpfs = os.fs_info(mount_point);
  REQUIRE(tmpfs.ok());
  CHECK(tmpfs.value().fs_magic == 0x01021994);
  CHECK(tmpfs.value().read_only == (options.rfind("ro,", 0) == 0 || options == "ro"));
}

TEST_CASE("connect_unix connects and closes, and names each failure", "[linux]") {
  LinuxPlatform os;
  Scratch dir(os);

  const int listener = unix_listener(dir / "live.sock", 8);
  CHECK(os.connect_unix(dir / "live.sock", 500ms).ok());
  // The connection was made and closed without a byte: accept sees EOF at once.
  const int accepted = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
  REQUIRE(accepted >= 0);
  char byte = 0;
  CHECK(::recv(accepted, &byte, 1, 0) == 0);
  ::close(accepted);
  ::close(listener);

  const int stale = unix_listener(dir / "stale.sock", 1);
  ::close(stale);  // the socket file stays, nobody listens
  CHECK(os.connect_unix(dir / "stale.sock", 500ms).error().name == "ECONNREFUSED");
  REQUIRE(os.create_file_exclusive(dir / "plain", "x").ok());
  CHECK(os.connect_unix(dir / "plain", 500ms).error().name == "ECONNREFUSED");

  const auto missing = os.connect_unix(dir / "missing.sock", 500ms);
  CHECK(missing.error().name == "ENOENT");
  CHECK(missing.error().context == "connect " + (dir / "missing.sock"));
  CHECK(os.connect_unix("/" + std::string(200, 'x'), 500ms).error().name == "ENAMETOOLONG");
  CHECK(os.connect_unix("", 500ms).error().name == "ENOENT");

  // A listener whose backlog is full: the connect cannot complete and the timeout bounds it.
  const int busy = unix_listener(dir / "busy.sock", 0);
  REQUIRE(os.connect_unix(dir / "busy.sock", 500ms).ok());  // fills the backlog of one
  const auto before = std::chrono::steady_clock::now();
  const auto full = os.connect_unix(dir / "busy.sock", 150ms);
  const auto took = std::chrono::steady_clock::now() - before;
  ::close(busy);
  REQUIRE_FALSE(full.ok());
  CHECK(full.error().name == "ETIMEDOUT");
  CHECK(took >= 150ms);
  CHECK(took < 1s);
}

TEST_CASE("kernel, interfaces, CPUs, environment, pids and clocks", "[linux]") {
  LinuxPlatform os;
  const auto kernel = os.kernel_info();
  REQUIRE(kernel.ok());
  CHECK(kernel.value().sysname == "Linux");
  auto release = os.read_file("/proc/sys/kernel/osrelease").value();
  while (!release.empty() && release.back() == '\n') release.pop_back();
  CHECK(kernel.value().release == release);

  const auto addresses = os.interface_addresses();
  REQUIRE(addresses.ok());
  for (const auto& entry : addresses.value()) {
    CHECK_FALSE(entry.interface.empty());
    CHECK(entry.ipv6 == (entry.address.find(':') != std::string::npos));
    if (entry.interface == "lo" && !entry.ipv6) CHECK(entry.address == "127.0.0.1");
  }

  const auto cpus = os.allowed_cpus();
  REQUIRE(cpus.ok());
  REQUIRE_FALSE(cpus.value().empty());
  CHECK(std::is_sorted(cpus.value().begin(), cpus.value().end()));
  // The kernel's own count of the same mask.
  const auto status = os.read_file("/proc/self/status").value();
  const auto at = status.find("Cpus_allowed_list:\t");
  REQUIRE(at != std::string::npos);
  std::istringstream list(status.substr(at + 19, status.find('\n', at) - at - 19));
  std::size_t expected = 0;
  std::string range;
  while (std::getline(list, range, ',')) {
    const auto dash = range.find('-');
    expected += dash == std::string::npos
                    ? 1
                    : std::stoul(range.substr(dash + 1)) - std::stoul(range.substr(0, dash)) + 1;
  }
  CHECK(cpus.value().size() == expected);

  ::setenv("CAPPROBE_TEST_VALUE", "42", 1);
  CHECK(os.env("CAPPROBE_TEST_VALUE") == std::optional<std::string>("42"));
  ::unsetenv("CAPPROBE_TEST_VALUE");
  CHECK_FALSE(os.env("CAPPROBE_TEST_VALUE").has_value());

  CHECK(os.self_pid() == static_cast<int>(::getpid()));
  CHECK(os.process_alive(os.self_pid()));
  CHECK(os.process_alive(1));  // EPERM for a non-root caller still means alive
  CHECK_FALSE(os.process_alive(0));
  CHECK_FALSE(os.process_alive(-1));
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) ::_exit(0);
  REQUIRE(::waitpid(child, nullptr, 0) == child);
  CHECK_FALSE(os.process_alive(child));

  const auto first = os.monotonic_now();
  std::this_thread::sleep_for(5ms);
  CHECK(os.monotonic_now() - first >= 5ms);
  const auto wall = std::chrono::system_clock::now() - os.wall_now();
  CHECK(wall < 1s);
  CHECK(wall > -1s);
}

TEST_CASE("cpuid leaf 0 names the CPU vendor on x86", "[linux]") {
  LinuxPlatform os;
  const auto machine = os.kernel_info().value().machine;
  const auto leaf0 = os.cpuid(0, 0);
  if (machine != "x86_64" && machine.find("86") == std::string::npos) {
    REQUIRE_FALSE(leaf0.ok());
    CHECK(leaf0.error().name == "ENOSYS");
    return;
  }
  REQUIRE(leaf0.ok());
  std::string vendor;
  for (const auto reg : {leaf0.value().ebx, leaf0.value().edx, leaf0.value().ecx}) {
    for (int shift = 0; shift < 32; shift += 8) vendor += static_cast<char>((reg >> shift) & 0xff);
  }
  std::cout << "cpuid vendor: " << vendor << ", max basic leaf " << leaf0.value().eax << "\n";
  CHECK(leaf0.value().eax >= 1);
  CHECK(vendor.find_first_not_of(' ') != std::string::npos);
  CHECK(std::all_of(vendor.begin(), vendor.end(), [](char c) { return c >= 0x20 && c < 0x7f; }));
}

// What the burn returns, not how fast the machine is: a unit test must pass on a busy machine,
// so the CPU/wall ratio (about 1 per thread on an idle machine) is a figure of the benchmark
// (tests/bench/bench.sh, "full: CPU burn") and of the cgroup integration tests, which compare
// it with a real quota.
TEST_CASE("burn_cpu: one thread for 300 ms", "[linux]") {
  LinuxPlatform os;
  const auto burn = os.burn_cpu(1, 300ms);
  REQUIRE(burn.ok());
  const auto& sample = burn.value();
  CHECK(sample.threads == 1);
  // The lane spins until 300 ms after the release, however long it waited to be scheduled.
  CHECK(sample.wall >= 300ms);
  // Only the lane's own CPU time counts, measured inside the wall window: cpu <= wall, on any
  // machine (a clock tick of slack: the two clocks are read one after the other).
  CHECK(sample.cpu <= sample.wall + 1ms);
  CHECK(sample.cpu > 0ms);
}

TEST_CASE("burn_cpu: every allowed CPU, and the clamps", "[linux]") {
  LinuxPlatform os;
  const int visible = static_cast<int>(os.allowed_cpus().value().size());
  const auto all = os.burn_cpu(visible, 300ms);
  REQUIRE(all.ok());
  const double cpus = std::chrono::duration<double>(all.value().cpu).count() /
                      std::chrono::duration<double>(all.value().wall).count();
  CHECK(all.value().threads == visible);
  CHECK(cpus <= visible + 0.01);  // no more CPU than the lanes could have had
  CHECK(all.value().cpu > 0ms);

  const auto tiny = os.burn_cpu(0, -5ms);  // clamped to one thread, no time
  REQUIRE(tiny.ok());
  CHECK(tiny.value().threads == 1);
  const auto many = os.burn_cpu(5000, 0ms);  // clamped to 1024 unpinned threads
  REQUIRE(many.ok());
  CHECK(many.value().threads == 1024);
}

TEST_CASE("memory trial: reaching a 64 MiB target", "[linux][memory]") {
  LinuxPlatform os;
  MemoryTrialPlan plan;
  plan.stop_at_bytes = 64 * kMiB;
  plan.step_bytes = 16 * kMiB;
  plan.timeout = 10s;
  const auto trial = os.run_memory_trial(plan);
  REQUIRE(trial.ok());
  std::cout << "memory trial 64 MiB: " << trial.value().elapsed.count() << " ms\n";
  CHECK(trial.value().end == MemoryTrialEnd::reached_target);
  CHECK(trial.value().reached_bytes >= 64 * kMiB);
  CHECK(trial.value().reached_bytes < 64 * kMiB + 16 * kMiB);
  CHECK(trial.value().signal == 0);
  CHECK(no_children_left());
}

TEST_CASE("memory trial: an address-space limit ends it with ENOMEM", "[linux][memory]") {
  LinuxPlatform os;
  // The child starts with the parent's address space, so the limit is set above it.
  const auto vm_size = kib_field(os.read_file("/proc/self/status").value(), "VmSize");
  MemoryTrialPlan plan;
  plan.stop_at_bytes = 1024 * kMiB;
  plan.step_bytes = 8 * kMiB;
  plan.address_space_limit = vm_size + 40 * kMiB;
  plan.timeout = 10s;
  const auto trial = os.run_memory_trial(plan);
  REQUIRE(trial.ok());
  std::cout << "memory trial, RLIMIT_AS VmSize+40 MiB: reached "
            << trial.value().reached_bytes / kMiB << " MiB\n";
  CHECK(trial.value().end == MemoryTrialEnd::alloc_failed);
  CHECK(trial.value().detail == "ENOMEM");
  CHECK(trial.value().reached_bytes >= 8 * kMiB);
  CHECK(trial.value().reached_bytes <= 48 * kMiB);

  plan.address_space_limit = 1 * kMiB;  // below what the process already maps
  const auto at_once = os.run_memory_trial(plan);
  REQUIRE(at_once.ok());
  CHECK(at_once.value().end == MemoryTrialEnd::alloc_failed);
  CHECK(at_once.value().detail == "ENOMEM");
  CHECK(at_once.value().reached_bytes == 0);
  CHECK(no_children_left());

  plan.step_bytes = 0;
  CHECK(os.run_memory_trial(plan).error().name == "EINVAL");
}

TEST_CASE("memory trial: the timeout kills the child", "[linux][memory]") {
  LinuxPlatform os;
  const auto available = kib_field(os.read_file("/proc/meminfo").value(), "MemAvailable");
  // Touching pages runs at GiB/s: 200 ms can hold a few GiB. The RLIMIT_AS backstop keeps that
  // to half of what is free; reaching it would end as alloc_failed and fail the test honestly.
  if (available < 4096 * kMiB) return skip("needs 4 GiB available memory");
  const auto vm_size = kib_field(os.read_file("/proc/self/status").value(), "VmSize");
  MemoryTrialPlan plan;
  plan.stop_at_bytes = 1ull << 40;
  plan.step_bytes = 64 * kMiB;
  plan.address_space_limit = vm_size + available / 2;
  plan.timeout = 200ms;
  const auto trial = os.run_memory_trial(plan);
  REQUIRE(trial.ok());
  std::cout << "memory trial, 200 ms timeout: reached " << trial.value().reached_bytes / kMiB
            << " MiB in " << trial.value().elapsed.count() << " ms\n";
  CHECK(trial.value().end == MemoryTrialEnd::timed_out);
  CHECK(trial.value().signal == SIGKILL);
  CHECK(trial.value().elapsed >= 200ms);
  CHECK(trial.value().elapsed < 2s);
  CHECK(no_children_left());
}

TEST_CASE("memory trial: a child killed by a signal ends as killed", "[linux][memory]") {
  LinuxPlatform os;
  const std::string tid = std::to_string(::getpid());  // this test runs on the main thread
  if (!os.read_file("/proc/self/task/" + tid + "/children").ok()) {
    return skip("/proc/<pid>/task/<tid>/children is not available (CONFIG_PROC_CHILDREN)");
  }
  // Stands in for the OOM killer: SIGTERM the trial's child as soon as it appears.
  std::atomic<bool> done{false};
  std::thread killer([&] {
    while (!done) {
      const auto children = os.read_file("/proc/self/task/" + tid + "/children");
      if (children.ok() && !children.value().empty()) {
        ::kill(std::stoi(children.value()), SIGTERM);
        return;
      }
      std::this_thread::sleep_for(1ms);
    }
  });
  MemoryTrialPlan plan;
  plan.stop_at_bytes = 1ull << 40;
  plan.step_bytes = 4 * kMiB;
  plan.address_space_limit = 2048 * kMiB;  // bounds the child should the signal not come
  plan.timeout = 3s;
  const auto trial = os.run_memory_trial(plan);
  done = true;
  killer.join();
  REQUIRE(trial.ok());
  CHECK(trial.value().end == MemoryTrialEnd::killed);
  CHECK(trial.value().signal == SIGTERM);
  CHECK(trial.value().detail == "SIGTERM");
  CHECK(no_children_left());
}

namespace {

// A loopback socket of `type` on an ephemeral port, and that port.
std::pair<int, int> loopback_socket(int type) {
  const int fd = ::socket(AF_INET, type | SOCK_CLOEXEC, 0);
  REQUIRE(fd >= 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  socklen_t length = sizeof address;
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0);
  return {fd, ntohs(address.sin_port)};
}

}  // namespace

TEST_CASE("udp_exchange: one datagram out, the first answer back, a deadline", "[linux]") {
  LinuxPlatform os;
  const auto [server, port] = loopback_socket(SOCK_DGRAM);
  std::thread echo([fd = server] {
    char buffer[64];
    sockaddr_in peer{};
    socklen_t length = sizeof peer;
    const auto n =
        ::recvfrom(fd, buffer, sizeof buffer, 0, reinterpret_cast<sockaddr*>(&peer), &length);
    if (n > 0) ::sendto(fd, "pong", 4, 0, reinterpret_cast<sockaddr*>(&peer), length);
  });
  const auto answer = os.udp_exchange("127.0.0.1", port, "ping", 2000ms);
  echo.join();
  REQUIRE(answer.ok());
  CHECK(answer.value() == "pong");
  // Nobody answers now: the deadline ends it (a closed port answers ECONNREFUSED at once).
  const auto silent = os.udp_exchange("127.0.0.1", port, "ping", 100ms);
  REQUIRE_FALSE(silent.ok());
  CHECK(silent.error().name == "ETIMEDOUT");
  ::close(server);
  CHECK(os.udp_exchange("not-an-ip", 53, "x", 100ms).error().name == "EINVAL");
}

TEST_CASE("port_trial: our listener takes a forwarded connect, a refused one, a busy port",
          "[linux]") {
  LinuxPlatform os;
  // A free port for our listener: take one, then let it go.
  const auto [probe, listen_port] = loopback_socket(SOCK_STREAM);
  ::close(probe);
  SECTION("connecting to the listener's own port reaches it") {
    const auto outcome = os.port_trial(listen_port, "127.0.0.1", listen_port, 1000ms);
    REQUIRE(outcome.ok());
    CHECK_FALSE(outcome.value().connect_error);
    CHECK(outcome.value().accepted);
  }
  SECTION("another listener answers: connected, not accepted by ours, nothing sent") {
    const auto [other, other_port] = loopback_socket(SOCK_STREAM);
    REQUIRE(::listen(other, 4) == 0);
    const auto outcome = os.port_trial(listen_port, "127.0.0.1", other_port, 1000ms);
    REQUIRE(outcome.ok());
    CHECK_FALSE(outcome.value().connect_error);
    CHECK_FALSE(outcome.value().accepted);
    const int taken = ::accept4(other, nullptr, nullptr, SOCK_NONBLOCK);
    REQUIRE(taken >= 0);
    char byte;
    CHECK(::recv(taken, &byte, 1, 0) == 0);  // closed, and not a byte was sent
    ::close(taken);
    ::close(other);
  }
  SECTION("nothing listens there") {
    const auto [closed, closed_port] = loopback_socket(SOCK_STREAM);
    ::close(closed);
    const auto outcome = os.port_trial(listen_port, "127.0.0.1", closed_port, 1000ms);
    REQUIRE(outcome.ok());
    REQUIRE(outcome.value().connect_error);
    CHECK(outcome.value().connect_error->name == "ECONNREFUSED");
  }
  SECTION("the listen port is taken") {
    const auto [busy, busy_port] = loopback_socket(SOCK_STREAM);
    REQUIRE(::listen(busy, 4) == 0);
    const auto outcome = os.port_trial(busy_port, "127.0.0.1", busy_port, 1000ms);
    REQUIRE_FALSE(outcome.ok());
    CHECK(outcome.error().name == "EADDRINUSE");
    ::close(busy);
  }
}

TEST_CASE("fill_file writes up to its bound and stops at a full filesystem", "[linux]") {
  LinuxPlatform os;
  Scratch scratch(os);
  const auto file = scratch.path() + "/fill";
  const auto filled = os.fill_file(file, 3 * 64 * 1024 + 5);
  REQUIRE(filled.ok());
  CHECK(filled.value().written == 3 * 64 * 1024 + 5);
  CHECK_FALSE(filled.value().stopped_by);
  CHECK(os.fill_file(file, 1).error().name == "EEXIST");  // never an existing file
  REQUIRE(os.remove(file).ok());
  // A 1 MiB tmpfs in a mount namespace of our own, where we may make one.
  if (::unshare(CLONE_NEWNS) != 0 ||
      ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0 ||
      ::mount("tmpfs", scratch.path().c_str(), "tmpfs", 0, "size=1m") != 0) {
    WARN("SKIPPED: no mount namespace for a size-limited tmpfs (" << std::strerror(errno) << ")");
    return;
  }
  const auto full = os.fill_file(scratch.path() + "/fill", 2 * kMiB);
  REQUIRE(full.ok());
  CHECK(full.value().written <= kMiB);
  REQUIRE(full.value().stopped_by);
  CHECK(full.value().stopped_by->name == "ENOSPC");
  ::umount2(scratch.path().c_str(), MNT_DETACH);
}
