// The narrow interface through which probes see the world, in what both OSes share: the paths a
// probe exercises, endpoints, clocks, the CPU burn and the memory trial, CPUID. Implementations:
// platform/linux (real syscalls), platform/windows, platform/fake (in-memory, for tests).
// Probes never include OS headers.
//
// The paths here are exercise paths (temp dirs, "/", volume mounts), written by the
// create/remove calls: always this process's own view, because the point is to find out what
// *this* process can do. Each OS's own facts (Linux: /proc, /sys, /etc under a system root;
// Windows: the registry, the job object, the token...) are behind as_linux() and as_windows():
// platform/linux_facts.hpp and platform/windows_facts.hpp.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "platform/file_info.hpp"
#include "platform/result.hpp"

namespace capprobe::platform {

struct FsInfo {
  bool read_only = false;      // ST_RDONLY from statvfs
  std::uint64_t fs_magic = 0;  // f_type from statfs (e.g. 0xEF53 ext4, 0x01021994 tmpfs)
  std::uint64_t total_bytes = 0;
  std::uint64_t available_bytes = 0;
};

struct KernelInfo {  // uname()
  std::string sysname;
  std::string nodename;
  std::string release;
  std::string version;
  std::string machine;
};

struct InterfaceAddress {
  std::string interface;  // "eth0"
  std::string address;    // textual IPv4 or IPv6 address
  bool ipv6 = false;
};

struct CpuidRegisters {
  std::uint32_t eax = 0, ebx = 0, ecx = 0, edx = 0;
};

// One bounded CPU burn: `threads` threads spin for about `duration`.
struct BurnSample {
  int threads = 0;
  std::chrono::nanoseconds wall{0};  // monotonic time the burn took
  std::chrono::nanoseconds cpu{0};   // process CPU time consumed by the burning threads
};

// A bounded allocation test, run in a forked child so that an OOM kill takes only the child.
struct MemoryTrialPlan {
  std::uint64_t stop_at_bytes = 0;  // the child stops allocating once it holds this much
  std::uint64_t step_bytes = 32ull << 20;
  std::uint64_t address_space_limit = 0;  // RLIMIT_AS backstop for the child; 0 = none
  std::chrono::milliseconds timeout{5000};
};

enum class MemoryTrialEnd {
  reached_target,  // the child held stop_at_bytes and exited on its own
  killed,          // the child died of a signal (SIGKILL from the OOM killer, usually)
  alloc_failed,    // mmap or page touch failed in the child (ENOMEM, RLIMIT_AS)
  timed_out,       // the parent killed the child at the timeout
};

struct MemoryTrialOutcome {
  MemoryTrialEnd end = MemoryTrialEnd::timed_out;
  int signal = 0;                   // the signal that ended the child, when killed
  std::uint64_t reached_bytes = 0;  // the last amount the child reported holding (touched pages)
  std::chrono::milliseconds elapsed{0};
  std::string detail;  // errno name of a failed allocation, etc.
};

// What fill_file wrote before it stopped.
struct FillOutcome {
  std::uint64_t written = 0;          // bytes the filesystem took
  std::optional<OsError> stopped_by;  // the write error that ended it (ENOSPC, EDQUOT); none: all
};

// What port_trial saw: whether the connect went through, and whether our own listener took it.
struct PortTrialOutcome {
  std::optional<OsError> connect_error;  // nullopt: connected
  bool accepted = false;                 // our listener accepted a connection in the time
};

class LinuxFacts;    // platform/linux_facts.hpp
class WindowsFacts;  // platform/windows_facts.hpp

class Platform {
 public:
  virtual ~Platform() = default;

  // --- the OS's own facts (only the probes' *_linux.cpp / *_windows.cpp collectors use them) ---
  // Null on another OS; platform::linux_facts(os) and windows_facts(os) say so as an error.
  virtual const LinuxFacts* as_linux() const { return nullptr; }
  virtual const WindowsFacts* as_windows() const { return nullptr; }

  // --- filesystem exercise (this process's own view) ---
  virtual Result<FsInfo> fs_info(const std::string& path) const = 0;
  // Creates a fresh private directory `parent/prefix<random>` (mode 0700) and returns its path.
  virtual Result<std::string> make_private_dir(const std::string& parent,
                                               const std::string& prefix) = 0;
  // O_CREAT|O_EXCL: fails with EEXIST rather than touching an existing file.
  virtual Result<Done> create_file_exclusive(const std::string& path,
                                             const std::string& content) = 0;
  virtual Result<Done> make_dir(const std::string& path) = 0;
  virtual Result<Done> make_symlink(const std::string& target, const std::string& link_path) = 0;
  // Reads through links (open + read); used to prove a link is followable.
  virtual Result<std::string> read_through(const std::string& path,
                                           std::size_t max_bytes) const = 0;
  virtual Result<std::vector<std::string>> list_through(const std::string& dir) const = 0;
  virtual Result<std::string> link_target(const std::string& path) const = 0;  // readlink, own view
  virtual Result<FileInfo> link_info(const std::string& path) const = 0;       // lstat, own view
  // stat, own view: what a path finally leads to (device and inode tell two names of one file).
  virtual Result<FileInfo> info_through(const std::string& path) const = 0;
  virtual Result<Done> remove(const std::string& path) = 0;       // unlink, or rmdir when a dir
  virtual Result<Done> remove_tree(const std::string& path) = 0;  // never follows links
  // Creates `path` exclusively and writes up to `max_bytes` zero bytes, stopping at the first
  // write error (ENOSPC, EDQUOT: a size limit). The file stays: the caller removes it. A
  // failed create is the error.
  virtual Result<FillOutcome> fill_file(const std::string& path, std::uint64_t max_bytes) = 0;
  virtual std::string temp_dir() const = 0;  // $TMPDIR or /tmp

  // --- IPC endpoints: connect and close, never speak ---
  // ECONNREFUSED, EACCES/EPERM, ENOENT, ETIMEDOUT... come back as the error.
  virtual Result<Done> connect_unix(const std::string& path, std::chrono::milliseconds timeout) = 0;

  // --- network exercises: each bounded by its timeout, nothing left open ---
  // One UDP datagram `payload` to address:port (IPv4 or IPv6 literal) and the first datagram
  // that comes back from there within `timeout` (ETIMEDOUT otherwise).
  virtual Result<std::string> udp_exchange(const std::string& address, int port,
                                           const std::string& payload,
                                           std::chrono::milliseconds timeout) = 0;
  // Listens on TCP `listen_port` of every address, connects to address:port, and waits up to
  // `timeout` in all for the connect and for our listener to accept; never sends a byte on
  // either side, closes everything. A listen that fails (EADDRINUSE) is the error.
  virtual Result<PortTrialOutcome> port_trial(int listen_port, const std::string& address, int port,
                                              std::chrono::milliseconds timeout) = 0;

  // --- process, kernel, CPU ---
  virtual Result<KernelInfo> kernel_info() const = 0;
  virtual Result<std::vector<InterfaceAddress>> interface_addresses() const = 0;
  // CPUID; ENOSYS on a CPU without it (non-x86).
  virtual Result<CpuidRegisters> cpuid(std::uint32_t leaf, std::uint32_t subleaf) const = 0;
  virtual Result<std::vector<int>> allowed_cpus() const = 0;  // sched_getaffinity
  virtual std::optional<std::string> env(const std::string& name) const = 0;
  virtual int self_pid() const = 0;
  virtual bool process_alive(int pid) const = 0;
  virtual std::chrono::nanoseconds monotonic_now() const = 0;
  virtual std::chrono::system_clock::time_point wall_now() const = 0;

  // --- the two deliberate resource tests ---
  virtual Result<BurnSample> burn_cpu(int threads, std::chrono::milliseconds duration) = 0;
  virtual Result<MemoryTrialOutcome> run_memory_trial(const MemoryTrialPlan& plan) = 0;
};

}  // namespace capprobe::platform
