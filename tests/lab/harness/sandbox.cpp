// Scratch space, overlay roots and the sweep of stale lab residue (see sandbox.hpp). Cleanup
// never throws: what it cannot remove it says on stderr, and the next run's sweep retries.
#include "tests/lab/harness/sandbox.hpp"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif
#include <signal.h>
#include <sys/mount.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <thread>

namespace capprobe::lab {
namespace {

using namespace std::chrono_literals;

// Mount points as /proc/self/mountinfo lists them (octal escapes like \040 decoded).
std::vector<std::string> mount_points() {
  std::vector<std::string> points;
  std::ifstream mountinfo("/proc/self/mountinfo");
  std::string line;
  while (std::getline(mountinfo, line)) {
    const auto fields = split(line, ' ');
    if (fields.size() < 5) continue;
    std::string point;
    const auto& raw = fields[4];
    for (std::size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] == '\\' && i + 3 < raw.size()) {
        point += static_cast<char>(std::stoi(raw.substr(i + 1, 3), nullptr, 8));
        i += 3;
      } else {
        point += raw[i];
      }
    }
    points.push_back(point);
  }
  return points;
}

// The pid a lab name ends with ("...-1234"), or -1.
int trailing_pid(const std::string& name) {
  const auto dash = name.rfind('-');
  if (dash == std::string::npos || dash + 1 >= name.size()) return -1;
  const auto digits = name.substr(dash + 1);
  if (!std::all_of(digits.begin(), digits.end(), ::isdigit)) return -1;
  return std::stoi(digits);
}

// runc state dirs below a stale scratch dir: delete their containers first, so that no
// container process keeps the overlay busy.
void delete_runc_containers(const fs::path& scratch) {
  const auto state = scratch / "runc-state";
  if (!fs::is_directory(state)) return;
  const auto runc = find_program("runc");
  if (!runc) return;
  for (const auto& entry : fs::directory_iterator(state)) {
    if (!entry.is_directory()) continue;
    const auto result = it::run({runc->string(), "--root", state.string(), "delete", "--force",
                                 entry.path().filename().string()},
                                30s);
    if (!result.exited_zero())
      std::cerr << "lab: cannot delete stale runc container " << entry.path() << ":\n"
                << it::describe(result);
  }
}

void remove_cgroup_dir(const fs::path& dir) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec))
    if (entry.is_directory(ec) && !entry.is_symlink(ec)) remove_cgroup_dir(entry.path());
  // Members first: a cgroup with processes cannot be removed.
  for (int attempt = 0; attempt < 50; ++attempt) {
    std::ifstream procs(dir / "cgroup.procs");
    std::string pid;
    bool any = false;
    while (procs >> pid) {
      any = true;
      kill(std::stoi(pid), SIGKILL);
    }
    if (rmdir(dir.c_str()) == 0 || errno == ENOENT) return;
    if (!any && errno != EBUSY) break;
    std::this_thread::sleep_for(20ms);
  }
  if (fs::exists(dir))
    std::cerr << "lab: cannot remove cgroup " << dir << ": " << std::strerror(errno) << "\n";
}

std::string ns_link(const char* name) {
  std::error_code ec;
  const auto target = fs::read_symlink(fs::path("/proc/self/ns") / name, ec);
  return ec ? std::string() : target.string();
}

// The hypervisor this machine runs under, from CPUID (leaf 1 ECX bit 31, then the vendor at
// 0x40000000), in the words of DESIGN.md; null without one. An oracle of its own, so that the
// expectations do not take capprobe's word for the machine they run on.
nlohmann::json host_hypervisor() {
#if defined(__x86_64__) || defined(__i386__)
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx) || !(ecx & (1u << 31))) return nullptr;
  __cpuid(0x40000000, eax, ebx, ecx, edx);
  char vendor[13] = {};
  std::memcpy(vendor, &ebx, 4);
  std::memcpy(vendor + 4, &ecx, 4);
  std::memcpy(vendor + 8, &edx, 4);
  const std::string name = vendor;
  if (name == "KVMKVMKVM" || name == "Linux KVM Hv") return "kvm";
  if (name == "TCGTCGTCGTCG") return "tcg";
  if (name == "VMwareVMware") return "vmware";
  if (name == "Microsoft Hv") return "microsoft";
  if (name == "XenVMMXenVMM") return "xen";
  return name;  // unknown: the raw vendor, which no probe word will equal
#else
  return nullptr;
#endif
}

}  // namespace

Scratch::Scratch(const fs::path& work, const std::string& scenario)
    : path_(work / "run" / (scenario + "-" + std::to_string(getpid()))) {
  fs::remove_all(path_);
  fs::create_directories(path_);
}

Scratch::~Scratch() {
  for (const auto& left : unmount_below(path_)) std::cerr << "lab: cannot unmount " << left << "\n";
  std::error_code ec;
  fs::remove_all(path_, ec);
  if (ec) std::cerr << "lab: cannot remove " << path_ << ": " << ec.message() << "\n";
}

OverlayRoot::OverlayRoot(const fs::path& image, const fs::path& merged, const fs::path& layers)
    : merged_(merged) {
  fs::create_directories(layers / "upper");
  fs::create_directories(layers / "work");
  fs::create_directories(merged);
  const auto options = "lowerdir=" + image.string() + ",upperdir=" + (layers / "upper").string() +
                       ",workdir=" + (layers / "work").string();
  if (mount("overlay", merged.c_str(), "overlay", 0, options.c_str()) != 0)
    throw std::runtime_error("cannot mount the overlay root at " + merged.string() + ": " +
                             std::strerror(errno));
}

OverlayRoot::~OverlayRoot() {
  for (const auto& left : unmount_below(merged_))
    std::cerr << "lab: cannot unmount " << left << "\n";
}

std::vector<std::string> unmount_below(const fs::path& dir) {
  const auto prefix = dir.string();
  std::vector<std::string> targets;
  for (const auto& point : mount_points())
    if (point == prefix || point.rfind(prefix + "/", 0) == 0) targets.push_back(point);
  // Deepest first; a path mounted twice is unmounted as often as it appears.
  std::sort(targets.begin(), targets.end(),
            [](const auto& a, const auto& b) { return a.size() > b.size(); });
  std::vector<std::string> failed;
  for (const auto& target : targets) {
    if (umount2(target.c_str(), 0) == 0) continue;
    // Busy (a process still exiting): detach, the kernel finishes when it lets go.
    if (umount2(target.c_str(), MNT_DETACH) != 0 && errno != EINVAL && errno != ENOENT)
      failed.push_back(target + " (" + std::strerror(errno) + ")");
  }
  return failed;
}

std::string cgroup_root_name() {
  return std::string(kLabPrefix) + "-" + std::to_string(getpid());
}

LabCgroup::LabCgroup() {
  const std::pair<const char*, const char*> candidates[] = {
      {"/sys/fs/cgroup/cpu", "cpu.shares"},          // cgroup v1
      {"/sys/fs/cgroup/cpu,cpuacct", "cpu.shares"},  // cgroup v1, joined controllers
      {"/sys/fs/cgroup", "cpu.weight"}};             // a pure cgroup v2 host
  for (const auto& [hierarchy, file] : candidates) {
    const fs::path root(hierarchy);
    if (!fs::exists(root / "cgroup.procs")) continue;
    const auto group = root / cgroup_root_name();
    fs::create_directories(group);
    if (!fs::exists(group / file)) continue;  // v2 without the cpu controller enabled
    write_control(group / file, std::string(file) == "cpu.shares" ? "262144" : "10000");
    cpu_group_ = group;
    return;
  }
}

LabCgroup::~LabCgroup() {
  remove_cgroup_tree(cgroup_root_name());
}

std::vector<std::string> LabCgroup::wrap(const std::string& name,
                                         const std::vector<std::string>& argv) {
  if (cpu_group_.empty()) return argv;
  const auto leaf = cpu_group_ / name;
  fs::create_directories(leaf);
  std::vector<std::string> wrapped = {
      "/bin/sh", "-c", "echo $$ > \"$0/cgroup.procs\" && exec \"$@\"", leaf.string()};
  wrapped.insert(wrapped.end(), argv.begin(), argv.end());
  return wrapped;
}

std::vector<std::string> remove_cgroup_tree(const std::string& name) {
  std::vector<std::string> removed;
  std::error_code ec;
  std::vector<fs::path> hierarchies;
  for (const auto& entry : fs::directory_iterator("/sys/fs/cgroup", ec)) {
    if (entry.is_symlink(ec) || !entry.is_directory(ec)) continue;
    if (fs::exists(entry.path() / "cgroup.procs", ec))
      hierarchies.push_back(entry.path());  // a v1 hierarchy, or cgroup2's "unified"
    else if (entry.path().filename() == name)
      hierarchies.push_back("/sys/fs/cgroup");  // a pure cgroup v2 host
  }
  for (const auto& hierarchy : hierarchies) {
    const auto dir = hierarchy / name;
    if (!fs::exists(dir, ec)) continue;
    remove_cgroup_dir(dir);
    removed.push_back(dir.string());
  }
  return removed;
}

void sweep_stale(const fs::path& work) {
  std::error_code ec;
  // Cgroups first: killing their members stops what a killed runner left running (QEMU, a
  // container), so that the mounts below are no longer busy.
  for (const auto& hierarchy : fs::directory_iterator("/sys/fs/cgroup", ec)) {
    std::error_code inner;
    for (const auto& entry : fs::directory_iterator(hierarchy.path(), inner)) {
      const auto name = entry.path().filename().string();
      if (name.rfind(std::string(kLabPrefix) + "-", 0) != 0) continue;
      const int pid = trailing_pid(name);
      if (pid < 0 || process_alive(pid)) continue;
      for (const auto& dir : remove_cgroup_tree(name))
        std::cout << "lab: removed stale cgroup " << dir << "\n";
    }
  }
  const auto runs = work / "run";
  if (!fs::is_directory(runs, ec)) return;
  for (const auto& entry : fs::directory_iterator(runs, ec)) {
    const int pid = trailing_pid(entry.path().filename().string());
    if (pid < 0 || process_alive(pid)) continue;
    delete_runc_containers(entry.path());
    for (const auto& left : unmount_below(entry.path()))
      std::cerr << "lab: cannot unmount stale " << left << "\n";
    fs::remove_all(entry.path(), ec);
    std::cout << "lab: removed stale " << entry.path().string() << "\n";
  }
}

std::map<std::string, nlohmann::json> host_vars() {
  std::map<std::string, nlohmann::json> vars;
  vars["host.pid_ns"] = ns_link("pid");
  vars["host.net_ns"] = ns_link("net");
  vars["host.ipc_ns"] = ns_link("ipc");
  vars["host.uts_ns"] = ns_link("uts");
  try {
    vars["host.boot_id"] = trim(read_file("/proc/sys/kernel/random/boot_id"));
  } catch (const std::exception&) {
    vars["host.boot_id"] = "";
  }
  utsname names{};
  uname(&names);
  vars["host.kernel"] = names.release;
  vars["host.cpus"] = sysconf(_SC_NPROCESSORS_ONLN);
  vars["host.hypervisor"] = host_hypervisor();
  // Where runc puts a container's limits: the unified hierarchy only on a pure cgroup v2 host
  // (a hybrid host's cgroup2 mount at /sys/fs/cgroup/unified holds no controllers).
  vars["host.cgroup_limits"] =
      fs::exists("/sys/fs/cgroup/cgroup.controllers") ? "cgroup_v2" : "cgroup_v1";
  int nodes = 0;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/sys/devices/system/node", ec)) {
    const auto name = entry.path().filename().string();
    if (name.size() > 4 && name.rfind("node", 0) == 0 && ::isdigit(name[4])) ++nodes;
  }
  vars["host.numa_nodes"] = nodes;
  return vars;
}

}  // namespace capprobe::lab
