// A scenario in a QEMU guest (TCG): the cached Debian kernel and initramfs, plus a small
// per-scenario cpio with /lab/config appended to the initramfs. For the Kata-like flavor the
// container's root is an overlay over the container image, shared with the guest over 9p as
// "kataShared". The guest writes the report to its second serial port, a file here.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <iostream>
#include <memory>
#include <numeric>
#include <sstream>

#include "tests/lab/harness/environment.hpp"
#include "tests/lab/harness/sandbox.hpp"
#include "tests/lab/harness/util.hpp"

namespace capprobe::lab {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr const char* kBegin = "CAPPROBE-LAB-REPORT-BEGIN\n";
constexpr const char* kEnd = "CAPPROBE-LAB-REPORT-END rc=";
constexpr const char* kFailed = "CAPPROBE-LAB-FAILED ";

// Kata's guest kernel parameters (its configuration-qemu.toml defaults and what the runtime
// adds), with the console on the first serial port instead of hvc0.
const std::vector<std::string> kKataKernelArgs = {"tsc=reliable",
                                                  "no_timer_check",
                                                  "rcupdate.rcu_expedited=1",
                                                  "i8042.direct=1",
                                                  "i8042.dumbkbd=1",
                                                  "i8042.nopnp=1",
                                                  "i8042.noaux=1",
                                                  "noreplace-smp",
                                                  "reboot=k",
                                                  "cryptomgr.notests",
                                                  "net.ifnames=0",
                                                  "selinux=0",
                                                  "systemd.unit=kata-containers.target",
                                                  "systemd.mask=systemd-networkd.service",
                                                  "systemd.mask=systemd-networkd.socket",
                                                  "scsi_mod.scan=none",
                                                  "agent.log=debug",
                                                  "agent.debug_console"};

std::string shell_word(const std::string& text) {
  std::string quoted = "'";
  for (const char c : text) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

std::string guest_config(const Scenario& scenario, const VmEnv& env, const std::string& cid,
                         bool pod_spec) {
  std::ostringstream config;
  config << "LAB_FLAVOR=" << shell_word(env.flavor) << "\n";
  config << "LAB_CID=" << shell_word(cid) << "\n";
  const auto group = env.cgroup.value_or(GuestCgroup{});
  config << "LAB_CGROUP=" << shell_word(group.path) << "\n";
  config << "LAB_CPU_MAX=" << shell_word(group.cpu_max.value_or("")) << "\n";
  config << "LAB_MEMORY_MAX="
         << shell_word(group.memory_max_bytes ? std::to_string(*group.memory_max_bytes) : "")
         << "\n";
  config << "LAB_OOM_GROUP=" << (group.memory_oom_group ? "1" : "0") << "\n";
  std::vector<std::string> words = scenario.capprobe_args;
  if (pod_spec) words.insert(words.end(), {"--pod-spec", kPodSpecPath});
  std::string args;
  for (const auto& word : words) args.append(" ").append(shell_word(word));
  config << "LAB_ARGS=" << shell_word(args) << "\n";
  return config.str();
}

std::vector<std::string> qemu_argv(const fs::path& qemu, const VmEnv& env,
                                   const GuestKernel& kernel, const fs::path& initrd,
                                   const fs::path& scratch, const std::optional<fs::path>& share) {
  int cpus = 0;
  std::int64_t memory_mib = 0;
  for (const auto& node : env.numa_nodes) {
    cpus += static_cast<int>(node.cpus.size());
    memory_mib += node.memory_mib;
  }
  std::vector<std::string> cmdline = {"console=ttyS0", "quiet", "panic=1"};
  if (env.flavor == "kata") {
    cmdline.insert(cmdline.end(), kKataKernelArgs.begin(), kKataKernelArgs.end());
    cmdline.push_back("nr_cpus=" + std::to_string(cpus));
  }
  cmdline.insert(cmdline.end(), env.kernel_args.begin(), env.kernel_args.end());
  const auto append =
      std::accumulate(std::next(cmdline.begin()), cmdline.end(), cmdline.front(),
                      [](const std::string& a, const std::string& b) { return a + " " + b; });

  std::vector<std::string> argv = {qemu.string(),
                                   "-accel",
                                   "tcg",
                                   "-machine",
                                   "pc",
                                   "-m",
                                   std::to_string(memory_mib) + "M",
                                   "-smp",
                                   std::to_string(cpus)};
  for (std::size_t i = 0; i < env.numa_nodes.size(); ++i) {
    const auto id = "m" + std::to_string(i);
    argv.insert(argv.end(), {"-object", "memory-backend-ram,id=" + id + ",size=" +
                                            std::to_string(env.numa_nodes[i].memory_mib) + "M"});
    std::string node = "node,nodeid=" + std::to_string(i) + ",memdev=" + id;
    for (const int cpu : env.numa_nodes[i].cpus) node += ",cpus=" + std::to_string(cpu);
    argv.insert(argv.end(), {"-numa", node});
  }
  argv.insert(
      argv.end(),
      {"-kernel", kernel.vmlinuz.string(), "-initrd", initrd.string(), "-append", append,
       "-nodefaults", "-no-user-config", "-display", "none", "-no-reboot", "-chardev",
       "file,id=console,path=" + (scratch / "console.log").string(), "-serial", "chardev:console",
       "-chardev", "file,id=report,path=" + (scratch / "report.log").string(), "-serial",
       "chardev:report"});
  if (share)
    argv.insert(argv.end(), {"-fsdev",
                             "local,id=kata,path=" + share->string() +
                                 ",security_model=passthrough,multidevs=remap",
                             "-device", "virtio-9p-pci,fsdev=kata,mount_tag=kataShared"});
  return argv;
}

// The last `lines` lines of `text` (all of it when it has fewer).
std::string tail_lines(const std::string& text, std::size_t lines) {
  std::size_t start = text.size();
  for (std::size_t n = 0; n <= lines; ++n) {
    if (start == 0) return text;
    const auto found = text.rfind('\n', start - 1);
    if (found == std::string::npos) return text;
    start = found;
  }
  return text.substr(start + 1);
}

void concatenate(const std::vector<fs::path>& parts, const fs::path& into) {
  std::ofstream out(into, std::ios::binary | std::ios::trunc);
  for (const auto& part : parts) {
    std::ifstream in(part, std::ios::binary);
    out << in.rdbuf();
  }
  if (!out) throw std::runtime_error("cannot write " + into.string());
}

}  // namespace

Outcome run_in_vm(const Scenario& scenario, const VmEnv& env, const LabPaths& paths) {
  require_root();
  const auto qemu = require_program("qemu-system-x86_64", "qemu-system-x86");
  const auto cpio = require_program("cpio", "cpio");
  const auto setup_started = Clock::now();
  const auto kernel = debian_kernel(paths.cache);
  const auto initramfs = guest_initramfs(paths, kernel);

  Outcome outcome;
  Scratch scratch(paths.work, scenario.name);
  LabCgroup cgroup;  // QEMU runs in it: TCG speed must not depend on the machine's other load
  outcome.vars["scratch"] = scratch.path().string();
  outcome.vars["guest.kernel"] = kernel.release;
  const auto cid = std::string(kLabPrefix) + "-" + scenario.name + "-" + std::to_string(getpid());
  outcome.vars["container.id"] = cid;

  // Kata: the container's root, prepared on the host and shared into the guest.
  std::unique_ptr<OverlayRoot> root;
  std::optional<fs::path> share;
  if (env.flavor == "kata") {
    share = scratch.path() / "kata-shared";
    root = std::make_unique<OverlayRoot>(container_image(paths), *share / cid / "rootfs",
                                         scratch.path() / "layers");
  }
  const auto config_stage = scratch.path() / "guest-config";
  fs::create_directories(config_stage / "lab");
  write_file(config_stage / "lab/config",
             guest_config(scenario, env, cid, scenario.pod_spec.has_value()));
  if (scenario.pod_spec) {
    // Plain: the guest's own root holds it; Kata: the container's root does.
    const auto base = root ? root->merged() : config_stage;
    const auto file = base / fs::path(kPodSpecPath).relative_path();
    fs::create_directories(file.parent_path());
    write_file(file, scenario.pod_spec->dump(2) + "\n");
  }
  const auto config_cpio = scratch.path() / "config.cpio";
  run_checked({"/bin/sh", "-c",
               "cd \"$1\" && find . -print0 | \"$2\" --null -o -H newc -R 0:0 --quiet > \"$3\"",
               "sh", config_stage.string(), cpio.string(), config_cpio.string()},
              60s);
  // The kernel unpacks concatenated cpio archives in order: the config lands on the image.
  const auto initrd = scratch.path() / "initrd.cpio";
  concatenate({initramfs, config_cpio}, initrd);
  outcome.setup_s = seconds_since(setup_started);

  const auto budget = std::chrono::seconds(std::max(30, scenario.timeout_s - 20));
  const auto started = Clock::now();
  const auto result = it::run(
      cgroup.wrap("qemu", qemu_argv(qemu, env, kernel, initrd, scratch.path(), share)), budget);
  outcome.run_s = seconds_since(started);

  std::string console, report;
  try {
    console = read_file(scratch.path() / "console.log");
    report = read_file(scratch.path() / "report.log");
  } catch (const std::exception& error) {
    outcome.diagnostics = std::string(error.what()) + "\n";
  }
  report.erase(std::remove(report.begin(), report.end(), '\r'), report.end());
  outcome.diagnostics += "--- guest console (tail) ---\n" + tail_lines(console, 40);
  if (!result.exited_zero()) outcome.diagnostics += "--- qemu ---\n" + it::describe(result);
  if (const auto failed = report.find(kFailed); failed != std::string::npos)
    outcome.diagnostics += "--- guest init failed ---\n" + report.substr(failed);

  const auto begin = report.find(kBegin);
  const auto end = report.rfind(kEnd);
  if (begin != std::string::npos && end != std::string::npos && end > begin) {
    outcome.finished = true;
    outcome.report =
        report.substr(begin + std::string(kBegin).size(), end - begin - std::string(kBegin).size());
    outcome.exit_code = std::atoi(report.c_str() + end + std::string(kEnd).size());
  } else if (begin != std::string::npos) {
    outcome.report = report.substr(begin + std::string(kBegin).size());
    outcome.diagnostics += "\n(the report has no end marker: capprobe or the guest died)";
  }
  if (result.timed_out)
    outcome.diagnostics +=
        "\n(QEMU killed at the scenario's timeout of " + std::to_string(budget.count()) + " s)";
  return outcome;
}

}  // namespace capprobe::lab
