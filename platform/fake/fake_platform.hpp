// An in-memory Platform for tests: a little filesystem (files, dirs, links, sockets), scripted
// answers for everything else, and fault injection per operation and path. Fixture trees of
// captured /proc and /sys files load into it with load_tree().
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "platform/linux_facts.hpp"
#include "platform/platform.hpp"
#include "platform/windows_facts.hpp"

namespace capprobe::platform {

// An error named as the real platforms name them ("ENOENT", "ERROR_ACCESS_DENIED"), with the
// kind they would give it.
OsError fake_error(const std::string& errno_name, const std::string& context);

// What the fake answers for the Windows facts: each starts as ERROR_CALL_NOT_IMPLEMENTED (a
// test sets what its scenario has), in the shapes real Windows nodes show.
struct FakeWindows {
  Result<WindowsVersion> kernel_version = unset("RtlGetVersion");
  Result<WindowsImageVersion> image_version = unset("CurrentVersion");
  std::map<std::pair<std::string, std::string>, std::string> registry_strings;  // (key, value)
  std::map<std::pair<std::string, std::string>, std::uint32_t> registry_dwords;
  Result<JobFacts> job = unset("QueryInformationJobObject");
  Result<TokenFacts> token = unset("GetTokenInformation");
  Result<std::vector<ProcessEntry>> processes = unset("CreateToolhelp32Snapshot");
  Result<std::vector<std::string>> pipe_names = unset("FindFirstFileW \\.\\pipe\\*");
  std::map<std::string, std::string> pipes;  // name -> "" (connects) or the error's name
  Result<MemoryStatus> memory = unset("GlobalMemoryStatusEx");
  std::uint64_t uptime_ms = 0;
  Result<NumaFacts> numa = unset("GetNumaHighestNodeNumber");
  std::map<std::string, std::uint32_t> firmware_tables;  // provider -> size
  Result<std::uint32_t> compartment = unset("GetCurrentThreadCompartmentId");
  std::map<std::string, AccountName> accounts;  // SID -> name; others: ERROR_NONE_MAPPED
  Result<SystemTimes> system_times = unset("GetSystemTimes");  // a burn test moves it
  // CreateSymbolicLinkW and junctions make a link in the little filesystem, unless a fault
  // (fail("create_symbolic_link" or "create_junction", link path, name)) or these say otherwise:
  // symlink_error names the error a request gets ("" = none), e.g. ERROR_PRIVILEGE_NOT_HELD
  // for ContainerUser; symlink_creates_nothing answers success and makes nothing, as Wine does.
  std::function<std::string(const SymbolicLinkRequest&)> symlink_error;
  bool symlink_creates_nothing = false;
  std::string junction_error;                                 // "" = junctions are made
  mutable std::vector<SymbolicLinkRequest> symlink_requests;  // what probes asked, to assert on

  static OsError unset(const std::string& call) {
    return fake_error("ERROR_CALL_NOT_IMPLEMENTED", call + " (not set in this test)");
  }
};

class FakePlatform final : public Platform, public LinuxFacts, public WindowsFacts {
 public:
  FakePlatform();

  // The fake answers both OSes' facts: a test of a Linux collector reads files, one of a
  // Windows collector sets `windows`.
  const LinuxFacts* as_linux() const override { return this; }
  const WindowsFacts* as_windows() const override { return this; }
  FakeWindows windows;

  // --- arranging the world ---
  FakePlatform& file(const std::string& path, std::string content);
  FakePlatform& dir(const std::string& path);
  FakePlatform& link(const std::string& path, std::string target);
  FakePlatform& special(const std::string& path, FileKind kind);  // socket, fifo, device
  FakePlatform& owner(const std::string& path, std::uint32_t uid, std::uint32_t gid,
                      std::uint32_t mode);
  // Loads every regular file under `fixture_dir` (a real directory) at `mount_at`; a file named
  // `x.symlink` becomes a link `x` whose target is the file's content.
  FakePlatform& load_tree(const std::string& fixture_dir, const std::string& mount_at = "/");
  // The next calls of `operation` ("read_file", "make_symlink", "create_file_exclusive",
  // "connect_unix", "remove", "make_private_dir", "fs_info", "read_through", ...) on `path`
  // fail with the errno name given.
  FakePlatform& fail(const std::string& operation, const std::string& path,
                     const std::string& errno_name);
  FakePlatform& fs(const std::string& path, FsInfo info);  // fs_info answer for path and below
  // A bind mount: `mount_point` (made a directory) shows the directory `source`; what is
  // created through one is seen through the other.
  FakePlatform& bind(const std::string& mount_point, const std::string& source);
  // Every later call on `path` or below blocks forever, as on a hung NFS or FUSE mount whose
  // server stopped answering. The blocked thread never returns into the fake, so the fake may
  // be destroyed while it waits; hung_calls() counts the calls that blocked.
  FakePlatform& hang(const std::string& path);
  int hung_calls() const { return *hung_calls_; }
  // How often `operation` ("read_file", "list_dir", "read_link"...) was called on `path`: what
  // a round reads alike must be read once.
  int calls(const std::string& operation, const std::string& path) const;

  std::map<std::string, std::string> environment;
  std::optional<KernelInfo> kernel;
  std::vector<InterfaceAddress> addresses;
  std::map<std::uint32_t, CpuidRegisters> cpuid_leaves;  // empty = no CPUID (ENOSYS)
  std::vector<int> cpus{0};
  int pid = 4242;
  std::set<int> alive_pids{4242};
  std::chrono::nanoseconds clock{1'000'000'000};
  std::string tmp = "/tmp";
  std::map<std::string, std::string> connect_errors;  // path -> errno name; "" = connects
  std::function<Result<BurnSample>(int, std::chrono::milliseconds)> burn;
  std::function<Result<MemoryTrialOutcome>(const MemoryTrialPlan&)> memory_trial;
  std::vector<MemoryTrialPlan> memory_trials_run;  // what probes asked for, to assert on
  // udp_exchange's answer for (address, port, payload); unset: ECONNREFUSED, as with nothing
  // listening. udp_sent keeps what probes sent, to assert on.
  std::function<Result<std::string>(const std::string&, int, const std::string&)> udp_server;
  std::vector<std::pair<std::string, int>> udp_sent;
  // port_trial's answer for (listen port, address, port); unset: the connect is refused.
  std::function<Result<PortTrialOutcome>(int, const std::string&, int)> port_trials;
  std::vector<std::tuple<int, std::string, int>> port_trials_run;
  std::vector<std::pair<std::string, std::uint64_t>> fills_run;  // fill_file (path, max_bytes)

  bool exists(const std::string& path) const;
  std::size_t entry_count() const;  // files + dirs + links + specials: to check for residue

  // --- Platform ---
  // --- LinuxFacts: the little filesystem, also under /proc, /sys, /etc ---
  Result<std::string> read_file(const std::string& path,
                                std::size_t max_bytes = 1 << 20) const override;
  Result<std::vector<std::string>> list_dir(const std::string& path) const override;
  Result<std::string> read_link(const std::string& path) const override;
  Result<FileInfo> stat(const std::string& path) const override;
  Result<FileInfo> lstat(const std::string& path) const override;
  Result<FsInfo> fs_info(const std::string& path) const override;
  Result<std::string> make_private_dir(const std::string& parent,
                                       const std::string& prefix) override;
  Result<Done> create_file_exclusive(const std::string& path, const std::string& content) override;
  Result<Done> make_dir(const std::string& path) override;
  Result<Done> make_symlink(const std::string& target, const std::string& link_path) override;
  Result<std::string> read_through(const std::string& path, std::size_t max_bytes) const override;
  Result<std::vector<std::string>> list_through(const std::string& dir) const override;
  Result<std::string> link_target(const std::string& path) const override;
  Result<FileInfo> link_info(const std::string& path) const override;
  Result<FileInfo> info_through(const std::string& path) const override { return stat(path); }
  Result<Done> remove(const std::string& path) override;
  Result<Done> remove_tree(const std::string& path) override;
  // Writes into the little filesystem up to the fs() answer's available_bytes, then ENOSPC.
  Result<FillOutcome> fill_file(const std::string& path, std::uint64_t max_bytes) override;
  std::string temp_dir() const override { return tmp; }
  Result<std::string> udp_exchange(const std::string& address, int port, const std::string& payload,
                                   std::chrono::milliseconds timeout) override;
  Result<PortTrialOutcome> port_trial(int listen_port, const std::string& address, int port,
                                      std::chrono::milliseconds timeout) override;
  Result<Done> connect_unix(const std::string& path, std::chrono::milliseconds timeout) override;
  Result<KernelInfo> kernel_info() const override;

  // --- WindowsFacts, from `windows` ---
  Result<WindowsVersion> kernel_version() const override { return windows.kernel_version; }
  Result<WindowsImageVersion> image_version() const override { return windows.image_version; }
  Result<std::string> registry_string(const std::string& key,
                                      const std::string& value) const override;
  Result<std::uint32_t> registry_dword(const std::string& key,
                                       const std::string& value) const override;
  Result<JobFacts> job() const override { return windows.job; }
  Result<TokenFacts> token() const override { return windows.token; }
  Result<std::vector<ProcessEntry>> processes() const override { return windows.processes; }
  Result<std::vector<std::string>> pipe_names() const override { return windows.pipe_names; }
  Result<Done> connect_pipe(const std::string& name) const override;
  Result<MemoryStatus> memory() const override { return windows.memory; }
  std::uint64_t uptime_ms() const override { return windows.uptime_ms; }
  Result<NumaFacts> numa() const override { return windows.numa; }
  Result<std::uint32_t> firmware_table_size(const std::string& provider) const override;
  Result<std::uint32_t> network_compartment() const override { return windows.compartment; }
  Result<AccountName> account_name(const std::string& sid) const override;
  Result<SystemTimes> system_times() const override { return windows.system_times; }
  Result<Done> create_symbolic_link(const SymbolicLinkRequest& request) const override;
  Result<Done> create_junction(const std::string& target,
                               const std::string& link_path) const override;
  Result<std::vector<InterfaceAddress>> interface_addresses() const override;
  Result<CpuidRegisters> cpuid(std::uint32_t leaf, std::uint32_t subleaf) const override;
  Result<std::vector<int>> allowed_cpus() const override { return cpus; }
  std::optional<std::string> env(const std::string& name) const override;
  int self_pid() const override { return pid; }
  bool process_alive(int other) const override { return alive_pids.count(other) > 0; }
  std::chrono::nanoseconds monotonic_now() const override { return clock; }
  std::chrono::system_clock::time_point wall_now() const override;
  Result<BurnSample> burn_cpu(int threads, std::chrono::milliseconds duration) override;
  Result<MemoryTrialOutcome> run_memory_trial(const MemoryTrialPlan& plan) override;

 private:
  struct Node {
    FileKind kind = FileKind::regular;
    std::string content;  // file content, or link target
    std::uint32_t uid = 0, gid = 0, mode = 0644;
    std::uint64_t inode = 0;
  };
  std::map<std::string, Node> nodes_;
  std::map<std::string, FsInfo> filesystems_;
  std::map<std::string, std::string> binds_;  // mount point -> source directory
  mutable std::map<std::pair<std::string, std::string>, std::string> faults_;
  std::vector<std::string> hung_;
  std::shared_ptr<std::atomic<int>> hung_calls_ = std::make_shared<std::atomic<int>>(0);
  struct CallCounts {
    std::mutex mutex;
    std::map<std::pair<std::string, std::string>, int> counts;  // (operation, path) -> calls
  };
  std::shared_ptr<CallCounts> calls_ = std::make_shared<CallCounts>();
  std::uint64_t next_inode_ = 100;
  int next_private_ = 0;

  std::optional<OsError> fault(const std::string& operation, const std::string& path) const;
  Result<std::string> resolve(const std::string& path, int depth = 0) const;  // follows links
  // The entry a path names, links before its last part followed (what mkdir, unlink act on).
  Result<std::string> entry(const std::string& path) const;
  // Where a new entry goes: the parent resolves to a directory and the name is free.
  Result<std::string> new_entry(const std::string& path, const std::string& verb) const;
  Node& put(const std::string& path, Node node);
  void ensure_parents(const std::string& path);
};

}  // namespace capprobe::platform
