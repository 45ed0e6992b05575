// Shared helpers of the fs.* probe tests: a context over a platform, and a platform that forwards
// to a FakePlatform so a test can bend one call (a symlink stored as a file, a link that reports
// success but leaves nothing) that the fake's errno injection cannot express.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <sstream>
#include <string>

#include "platform/fake/fake_platform.hpp"
#include "probes/common/bounded.hpp"
#include "probes/probe.hpp"
#include "tests/unit/probes/fixtures.hpp"

namespace capprobe::testing {

inline constexpr const char* kScratch = ".capprobe-4242-test";

inline probes::ProbeContext context_for(
    platform::Platform& os, const probes::PodRequests& requests,
    std::chrono::milliseconds budget = std::chrono::seconds(2)) {
  return probes::ProbeContext{os, requests, false, kScratch,
                              std::chrono::steady_clock::now() + budget};
}

class ForwardingPlatform : public platform::Platform {
 public:
  explicit ForwardingPlatform(platform::FakePlatform& fake) : fake_(fake) {}

  using Done = platform::Done;
  template <class T>
  using Result = platform::Result<T>;

  // The system facts are the fake's own: only this process's own view is bent.
  const platform::LinuxFacts* as_linux() const override { return fake_.as_linux(); }
  const platform::WindowsFacts* as_windows() const override { return fake_.as_windows(); }
  Result<platform::FsInfo> fs_info(const std::string& p) const override { return fake_.fs_info(p); }
  Result<std::string> make_private_dir(const std::string& parent,
                                       const std::string& prefix) override {
    return fake_.make_private_dir(parent, prefix);
  }
  Result<Done> create_file_exclusive(const std::string& p, const std::string& c) override {
    return fake_.create_file_exclusive(p, c);
  }
  Result<Done> make_dir(const std::string& p) override { return fake_.make_dir(p); }
  Result<Done> make_symlink(const std::string& target, const std::string& link) override {
    return fake_.make_symlink(target, link);
  }
  Result<std::string> read_through(const std::string& p, std::size_t n) const override {
    return fake_.read_through(p, n);
  }
  Result<std::vector<std::string>> list_through(const std::string& p) const override {
    return fake_.list_through(p);
  }
  Result<std::string> link_target(const std::string& p) const override {
    return fake_.link_target(p);
  }
  Result<platform::FileInfo> link_info(const std::string& p) const override {
    return fake_.link_info(p);
  }
  Result<platform::FileInfo> info_through(const std::string& p) const override {
    return fake_.info_through(p);
  }
  Result<Done> remove(const std::string& p) override { return fake_.remove(p); }
  Result<Done> remove_tree(const std::string& p) override { return fake_.remove_tree(p); }
  std::string temp_dir() const override { return fake_.temp_dir(); }
  Result<Done> connect_unix(const std::string& p, std::chrono::milliseconds t) override {
    return fake_.connect_unix(p, t);
  }
  Result<platform::FillOutcome> fill_file(const std::string& p, std::uint64_t n) override {
    return fake_.fill_file(p, n);
  }
  Result<std::string> udp_exchange(const std::string& a, int port, const std::string& payload,
                                   std::chrono::milliseconds t) override {
    return fake_.udp_exchange(a, port, payload, t);
  }
  Result<platform::PortTrialOutcome> port_trial(int listen_port, const std::string& a, int port,
                                                std::chrono::milliseconds t) override {
    return fake_.port_trial(listen_port, a, port, t);
  }
  Result<platform::KernelInfo> kernel_info() const override { return fake_.kernel_info(); }
  Result<std::vector<platform::InterfaceAddress>> interface_addresses() const override {
    return fake_.interface_addresses();
  }
  Result<platform::CpuidRegisters> cpuid(std::uint32_t leaf, std::uint32_t sub) const override {
    return fake_.cpuid(leaf, sub);
  }
  Result<std::vector<int>> allowed_cpus() const override { return fake_.allowed_cpus(); }
  std::optional<std::string> env(const std::string& name) const override { return fake_.env(name); }
  int self_pid() const override { return fake_.self_pid(); }
  bool process_alive(int pid) const override { return fake_.process_alive(pid); }
  std::chrono::nanoseconds monotonic_now() const override { return fake_.monotonic_now(); }
  std::chrono::system_clock::time_point wall_now() const override { return fake_.wall_now(); }
  Result<platform::BurnSample> burn_cpu(int threads, std::chrono::milliseconds d) override {
    return fake_.burn_cpu(threads, d);
  }
  Result<platform::MemoryTrialOutcome> run_memory_trial(
      const platform::MemoryTrialPlan& plan) override {
    return fake_.run_memory_trial(plan);
  }

 protected:
  platform::FakePlatform& fake_;
};

// Records every file and private dir a probe creates, to check where it writes.
class CountingCreates : public ForwardingPlatform {
 public:
  using ForwardingPlatform::ForwardingPlatform;
  Result<Done> create_file_exclusive(const std::string& path, const std::string& content) override {
    created.push_back(path);
    return fake_.create_file_exclusive(path, content);
  }
  Result<std::string> make_private_dir(const std::string& parent,
                                       const std::string& prefix) override {
    private_dir_parents.push_back(parent);
    return fake_.make_private_dir(parent, prefix);
  }
  std::vector<std::string> created;
  std::vector<std::string> private_dir_parents;
};

// What a probe run over a hung place needs, owned together: the run happens on a worker (so
// that a probe that waits for the hung place fails the test instead of hanging it), and a
// worker left behind by a failing test must never reach freed memory.
struct GuardedWorld {
  platform::FakePlatform os;
  probes::PodRequests requests;
  // Generous, so that the places that do answer are never late on a busy machine; the hung
  // ones always are.
  std::chrono::milliseconds place_timeout{2000};
  std::chrono::milliseconds budget{std::chrono::seconds(20)};
};

// Runs `probe` (ProbeContext& -> CapabilityResult) over `world` on a bounded worker; nullopt
// when it did not finish within a minute.
template <class ProbeRun>
std::optional<probes::CapabilityResult> run_guarded(const std::shared_ptr<GuardedWorld>& world,
                                                    ProbeRun probe) {
  auto done = probes::run_bounded(std::chrono::seconds(60), [world, probe] {
    auto ctx = context_for(world->os, world->requests, world->budget);
    ctx.place_timeout = world->place_timeout;
    return probe(ctx);
  });
  return done.value;
}

// One /proc/self/mountinfo line (an ostringstream: GCC 12 warns falsely on chains of string +).
inline std::string mount_line(int id, const std::string& root, const std::string& point,
                              const std::string& fs_type, const std::string& source,
                              const std::string& options = "rw,relatime") {
  std::ostringstream line;
  line << id << " 1 0:" << id << " " << root << " " << point << " " << options << " - " << fs_type
       << " " << source << " rw\n";
  return line.str();
}

}  // namespace capprobe::testing
