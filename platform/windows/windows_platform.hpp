// The real Windows Platform: Win32 calls, every failure returned as an OsError value named after
// its Win32 error. The members are defined across the files of this folder, one concern per
// file. Calls without a Windows implementation yet (not_implemented.cpp) answer
// ERROR_CALL_NOT_IMPLEMENTED and never a made-up fact.
#pragma once

#include <string>
#include <vector>

#include "platform/platform.hpp"

namespace capprobe::platform {

class WindowsPlatform final : public Platform {
 public:
  // `system_root` is where system facts will be read from: "/" for this machine's own view, as
  // the agent passes it on every OS, or e.g. the node's drive as a HostProcess container sees
  // it. Kept as given for the system-fact calls, which are not implemented yet.
  explicit WindowsPlatform(std::string system_root = "/");

  const std::string& system_root() const { return root_; }

  // --- filesystem exercise (fs_exercise.cpp, file_info.cpp, remove_tree.cpp) ---
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
  std::string temp_dir() const override;

  // --- IPC endpoints (not_implemented.cpp) ---
  Result<Done> connect_unix(const std::string& path, std::chrono::milliseconds timeout) override;

  // --- process, kernel, CPU (system_info.cpp; the rest in not_implemented.cpp) ---
  Result<KernelInfo> kernel_info() const override;
  Result<std::vector<InterfaceAddress>> interface_addresses() const override;
  Result<CpuidRegisters> cpuid(std::uint32_t leaf, std::uint32_t subleaf) const override;
  Result<std::vector<int>> allowed_cpus() const override;
  std::optional<std::string> env(const std::string& name) const override;
  int self_pid() const override;
  bool process_alive(int pid) const override;
  std::chrono::nanoseconds monotonic_now() const override;
  std::chrono::system_clock::time_point wall_now() const override;

  // --- the two deliberate resource tests (not_implemented.cpp) ---
  Result<BurnSample> burn_cpu(int threads, std::chrono::milliseconds duration) override;
  Result<MemoryTrialOutcome> run_memory_trial(const MemoryTrialPlan& plan) override;

 private:
  std::string root_;
};

}  // namespace capprobe::platform
