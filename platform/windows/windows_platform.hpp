// The real Windows Platform and WindowsFacts: Win32 calls, every failure returned as an OsError
// value named after its Win32 error and with its kind. The members are defined across the files
// of this folder, one concern per file (named beside each group below).
#pragma once

#include <string>
#include <vector>

#include "platform/platform.hpp"
#include "platform/windows_facts.hpp"

namespace capprobe::platform {

class WindowsPlatform final : public Platform, public WindowsFacts {
 public:
  // `system_root` is what the agent passes on every OS ("/"). The Windows facts come from the
  // live system's APIs (the registry, the token, the job object...), which have no root to move:
  // a HostProcess container already sees the node's through them. Kept for the caller to read.
  explicit WindowsPlatform(std::string system_root = "/");

  const std::string& system_root() const { return root_; }

  const WindowsFacts* as_windows() const override { return this; }

  // --- filesystem exercise (fs_exercise.cpp, file_ops.cpp, private_dir.cpp, make_symlink.cpp,
  // link_target.cpp, remove_tree.cpp) ---
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
  Result<FileInfo> info_through(const std::string& path) const override;
  Result<Done> remove(const std::string& path) override;
  Result<Done> remove_tree(const std::string& path) override;
  Result<FillOutcome> fill_file(const std::string& path, std::uint64_t max_bytes) override;
  std::string temp_dir() const override;

  // --- IPC endpoints (unix_connect.cpp) ---
  Result<Done> connect_unix(const std::string& path, std::chrono::milliseconds timeout) override;

  // --- network exercises (net_exercise.cpp) ---
  Result<std::string> udp_exchange(const std::string& address, int port, const std::string& payload,
                                   std::chrono::milliseconds timeout) override;
  Result<PortTrialOutcome> port_trial(int listen_port, const std::string& address, int port,
                                      std::chrono::milliseconds timeout) override;

  // --- process, kernel, CPU (system_info.cpp, interface_addresses.cpp, cpuid_x86.cpp) ---
  Result<KernelInfo> kernel_info() const override;
  Result<std::vector<InterfaceAddress>> interface_addresses() const override;
  Result<CpuidRegisters> cpuid(std::uint32_t leaf, std::uint32_t subleaf) const override;
  // CPUs numbered group x 64 + number, as topology.numa numbers the nodes' CPUs.
  Result<std::vector<int>> allowed_cpus() const override;
  std::optional<std::string> env(const std::string& name) const override;
  int self_pid() const override;
  bool process_alive(int pid) const override;
  std::chrono::nanoseconds monotonic_now() const override;
  std::chrono::system_clock::time_point wall_now() const override;

  // --- the two deliberate resource tests (cpu_burn.cpp, memory_trial.cpp) ---
  Result<BurnSample> burn_cpu(int threads, std::chrono::milliseconds duration) override;
  Result<MemoryTrialOutcome> run_memory_trial(const MemoryTrialPlan& plan) override;

  // --- WindowsFacts ---
  // version_facts.cpp (RtlGetVersion; HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion)
  Result<WindowsVersion> kernel_version() const override;
  Result<WindowsImageVersion> image_version() const override;
  // registry.cpp (RegGetValueW under HKEY_LOCAL_MACHINE)
  Result<std::string> registry_string(const std::string& key,
                                      const std::string& value) const override;
  Result<std::uint32_t> registry_dword(const std::string& key,
                                       const std::string& value) const override;
  Result<JobFacts> job() const override;                                    // job.cpp
  Result<TokenFacts> token() const override;                                // token.cpp
  Result<AccountName> account_name(const std::string& sid) const override;  // token.cpp
  Result<std::vector<ProcessEntry>> processes() const override;             // processes.cpp
  Result<std::vector<std::string>> pipe_names() const override;             // pipes.cpp
  Result<Done> connect_pipe(const std::string& name) const override;        // pipes.cpp
  // machine.cpp: what the machine (the node, or a Hyper-V utility VM) has
  Result<MemoryStatus> memory() const override;
  std::uint64_t uptime_ms() const override;
  Result<SystemTimes> system_times() const override;
  Result<std::uint32_t> firmware_table_size(const std::string& provider) const override;
  Result<NumaFacts> numa() const override;                     // numa.cpp
  Result<std::uint32_t> network_compartment() const override;  // compartment.cpp
  // make_symlink.cpp and junction.cpp
  Result<Done> create_symbolic_link(const SymbolicLinkRequest& request) const override;
  Result<Done> create_junction(const std::string& target,
                               const std::string& link_path) const override;

 private:
  std::string root_;
};

}  // namespace capprobe::platform
