// The real Linux Platform: plain syscalls, every failure returned as an OsError value. The
// members are defined across the files of this folder, one concern per file.
#pragma once

#include <string>
#include <vector>

#include "platform/linux_facts.hpp"
#include "platform/platform.hpp"

namespace capprobe::platform {

class LinuxPlatform final : public Platform, public LinuxFacts {
 public:
  // `system_root` is where /proc, /sys and /etc are read from ("/" or e.g. "/host").
  explicit LinuxPlatform(std::string system_root = "/");

  const std::string& system_root() const { return root_; }
  // The path the system-fact calls open for `path`: `path` itself under "/", else `path`
  // lexically normalised and placed under the root (".." never climbs above it).
  std::string under_root(const std::string& path) const;

  const LinuxFacts* as_linux() const override { return this; }

  // --- system facts (LinuxFacts, linux_platform.cpp) ---
  Result<std::string> read_file(const std::string& path,
                                std::size_t max_bytes = 1 << 20) const override;
  Result<std::vector<std::string>> list_dir(const std::string& path) const override;
  Result<std::string> read_link(const std::string& path) const override;
  Result<FileInfo> stat(const std::string& path) const override;
  Result<FileInfo> lstat(const std::string& path) const override;

  // --- filesystem exercise (fs_exercise.cpp, remove_tree.cpp) ---
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

  // --- process, kernel, CPU (system_info.cpp; cpuid_<arch>.cpp) ---
  Result<KernelInfo> kernel_info() const override;
  Result<std::vector<InterfaceAddress>> interface_addresses() const override;
  Result<CpuidRegisters> cpuid(std::uint32_t leaf, std::uint32_t subleaf) const override;
  Result<std::vector<int>> allowed_cpus() const override;
  std::optional<std::string> env(const std::string& name) const override;
  int self_pid() const override;
  bool process_alive(int pid) const override;
  std::chrono::nanoseconds monotonic_now() const override;
  std::chrono::system_clock::time_point wall_now() const override;

  // --- the two deliberate resource tests (cpu_burn.cpp, memory_trial.cpp) ---
  Result<BurnSample> burn_cpu(int threads, std::chrono::milliseconds duration) override;
  Result<MemoryTrialOutcome> run_memory_trial(const MemoryTrialPlan& plan) override;

 private:
  std::string root_;
};

}  // namespace capprobe::platform
