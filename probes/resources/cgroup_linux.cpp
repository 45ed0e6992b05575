// The cgroup readers of the Linux collectors: discovery from /proc/self/cgroup and mountinfo, and
// the limits over every visible ancestor, read through LinuxFacts. "No such file" (absent) stays
// apart from "cannot see" (denied). Tests: tests/unit/probes/resources_cgroup_test.cpp.
#include "probes/resources/cgroup_linux.hpp"

#include "platform/linux_facts.hpp"
#include "probes/common/json.hpp"
#include "probes/common/text.hpp"

namespace capprobe::probes::cgroup {
namespace {

std::string hierarchy_name(const Location* location) {
  if (location == nullptr) return "none";
  return location->version == Version::v1 ? "cgroup_v1" : "cgroup_v2";
}

// Lowers `tightest` to the byte limit in `file` when it holds one below it; true when it did.
bool tighten(std::optional<std::uint64_t>& tightest, const Read& file) {
  if (!file.text) return false;
  const auto parsed = parse_byte_limit(*file.text);
  if (parsed.kind != LimitKind::limited || (tightest && parsed.bytes >= *tightest)) return false;
  tightest = parsed.bytes;
  return true;
}

// Reads one controller's files for a ControllerReads, keeping every read as evidence.
class Reader {
 public:
  Reader(const platform::Platform& os, ControllerReads& config) : os_(os), config_(config) {}

  // The controller's location when this process's directory in it is known; otherwise nullptr,
  // with the reason in `unlocated` when the controller exists but the directory cannot be found
  // (then a limit may apply that cannot be read).
  const Location* locate(const Discovery& discovery, const std::string& controller) {
    const auto* location = discovery.find(controller);
    config_.hierarchy = hierarchy_name(location);
    if (location == nullptr || location->directory) return location;
    config_.unlocated = "this process's " + controller + " cgroup " + location->cgroup_path +
                        " lies outside the root " + location->mount_root + " of the mount at " +
                        location->mount_point;
    return nullptr;
  }

  // Files that are absent are facts ("no such limit here"); anything else that failed is a
  // limit this process may be subject to without seeing it.
  Read operator()(const std::string& path) {
    auto file = read(os_, path);
    config_.reads.push_back(file.to_json());
    if (!file.text && !file.absent()) config_.hidden.push_back(file.path + ": " + file.error);
    return file;
  }

 private:
  const platform::Platform& os_;
  ControllerReads& config_;
};

std::optional<std::uint64_t> first_uint(const Read& read) {
  if (!read.text) return std::nullopt;
  return text::parse_uint(*read.text);
}

}  // namespace

Discovery discover(const platform::Platform& os) {
  return discover(os, read_mounts(os));
}

Discovery discover(const platform::Platform& os,
                   const platform::Result<std::vector<Mount>>& mounts) {
  DiscoveryInput input;
  const auto membership = platform::linux_facts(os).read_file("/proc/self/cgroup", 64 << 10);
  if (membership)
    input.membership = parse_proc_cgroup(membership.value());
  else
    input.membership_error = membership.error().name;
  if (mounts) input.mounts = mounts.value();
  if (const auto unified = unified_mount(input.membership, input.mounts)) {
    const auto controllers =
        platform::linux_facts(os).read_file(unified->mount_point + "/cgroup.controllers", 4096);
    if (controllers)
      input.v2_controllers_text = controllers.value();
    else
      input.v2_controllers_error = controllers.error().name;
  }
  auto discovery = discover(input);
  if (!mounts)
    discovery.problems.push_back(std::string(kMountinfoPath) + " could not be read (" +
                                 mounts.error().name + ")");
  return discovery;
}

// ---------------------------------------------------------------- reading files

nlohmann::json Read::to_json() const {
  if (text) return {{"path", path}, {"value", std::string(text::trim(*text))}};
  return {{"path", path}, {"error", error}};
}

Read read(const platform::Platform& os, const std::string& path) {
  Read out;
  out.path = path;
  const auto content = platform::linux_facts(os).read_file(path, 64 << 10);
  if (content) {
    out.text = content.value();
  } else {
    out.error = content.error().name;
    out.error_kind = content.error().kind;
  }
  return out;
}

// ---------------------------------------------------------------- limits over the ancestry

std::string ControllerReads::unseen() const {
  if (unlocated) return *unlocated;
  if (!hidden.empty()) return "unreadable " + nlohmann::json(hidden).dump();
  return "";
}

void add_cgroup_evidence(nlohmann::json& evidence, const ControllerReads& config) {
  evidence["cgroup_hierarchy"] = config.hierarchy;
  evidence["cgroup_reads"] = config.reads;
  evidence["cgroup_hidden"] = config.hidden;
  evidence["cgroup_unlocated"] = json_or_null(config.unlocated);
}

nlohmann::json ControllerReads::to_json() const {
  return {{"hierarchy", hierarchy},
          {"reads", reads},
          {"hidden", hidden},
          {"unlocated", json_or_null(unlocated)}};
}

CpuConfig read_cpu_config(const platform::Platform& os, const Discovery& discovery) {
  CpuConfig config;
  Reader reader(os, config);
  const auto* location = reader.locate(discovery, "cpu");
  if (location == nullptr) return config;
  const bool v2 = location->version == Version::v2;
  for (const auto& directory : ancestry(*location)) {
    std::optional<CpuQuota> quota;
    if (v2) {
      const auto max = reader(directory + "/cpu.max");
      if (max.text) quota = parse_cpu_max(*max.text);
    } else {
      const auto quota_file = reader(directory + "/cpu.cfs_quota_us");
      const auto period_file = reader(directory + "/cpu.cfs_period_us");
      if (quota_file.text && period_file.text)
        quota = parse_cfs_quota(*quota_file.text, *period_file.text);
    }
    const auto cpus = quota ? quota->cpus() : std::nullopt;
    if (cpus && (!config.limit_cpus || *cpus < *config.limit_cpus)) {
      config.limit_cpus = cpus;
      config.limiting = quota;
      config.limiting_directory = directory;
    }
  }
  const auto& leaf = *location->directory;
  const auto share_file = reader(leaf + (v2 ? "/cpu.weight" : "/cpu.shares"));
  (v2 ? config.weight : config.shares) = first_uint(share_file);
  // Throttling is counted where the quota is: a quota on a parent (a pod-level cgroup, say)
  // throttles the parent, and the leaf's own nr_throttled stays 0.
  config.stat_path = config.limiting_directory.value_or(leaf) + "/cpu.stat";
  return config;
}

MemoryConfig read_memory_config(const platform::Platform& os, const Discovery& discovery) {
  MemoryConfig config;
  Reader reader(os, config);
  const auto* location = reader.locate(discovery, "memory");
  if (location == nullptr) return config;
  const bool v2 = location->version == Version::v2;
  for (const auto& directory : ancestry(*location)) {
    const auto limit = reader(directory + (v2 ? "/memory.max" : "/memory.limit_in_bytes"));
    if (tighten(config.limit_bytes, limit)) config.limiting = directory;
    if (v2) {
      tighten(config.high_bytes, reader(directory + "/memory.high"));
      // The kernel kills the whole group of the highest ancestor with oom.group set, so any
      // visible level with it makes crossing the limit unsafe.
      const auto group = reader(directory + "/memory.oom.group");
      if (group.text && text::trim(*group.text) == "1") config.oom_group = true;
      // ENOENT: a kernel before 4.19, which has no group kill.
      if (!group.text && !group.absent() && !config.oom_policy_unseen)
        config.oom_policy_unseen = group.path + ": " + group.error;
    }
  }
  const auto& leaf = *location->directory;
  if (v2) {
    const auto events = reader(leaf + "/memory.events");
    if (events.text) {
      config.oom_kill = counter(*events.text, "oom_kill");
      config.oom = counter(*events.text, "oom");
    }
    config.oom_kill_path = leaf + "/memory.events";
    const auto swap = reader(leaf + "/memory.swap.max");
    if (swap.text) config.swap_limit = std::string(text::trim(*swap.text));
  } else {
    // hierarchical_memory_limit is the kernel's own minimum over every ancestor, including
    // those a cgroup namespace or a bind mount hides from us.
    const auto stat = reader(leaf + "/memory.stat");
    if (stat.text)
      if (const auto hierarchical = counter(*stat.text, "hierarchical_memory_limit");
          hierarchical && *hierarchical < kUnlimitedThreshold &&
          (!config.limit_bytes || *hierarchical < *config.limit_bytes)) {
        config.limit_bytes = *hierarchical;
        config.limiting = "memory.stat hierarchical_memory_limit (above the visible cgroups)";
      }
    const auto control = reader(leaf + "/memory.oom_control");
    if (control.text) {
      config.oom_kill = counter(*control.text, "oom_kill");
      config.oom_kill_disabled = counter(*control.text, "oom_kill_disable").value_or(0) == 1;
    } else {
      config.oom_policy_unseen = control.path + ": " + control.error;
    }
    config.oom_kill_path = leaf + "/memory.oom_control";
    const auto swap = reader(leaf + "/memory.memsw.limit_in_bytes");
    if (swap.text) config.swap_limit = std::string(text::trim(*swap.text));
  }
  // Usage of the cgroup whose limit binds: that is the room left before the OOM killer acts.
  const bool visible_limit = config.limiting && text::starts_with(*config.limiting, "/");
  const auto usage_dir = visible_limit ? *config.limiting : leaf;
  const auto usage = reader(usage_dir + (v2 ? "/memory.current" : "/memory.usage_in_bytes"));
  config.usage_bytes = first_uint(usage);
  config.usage_path = usage.path;
  return config;
}

std::optional<std::uint64_t> read_oom_kill(const platform::Platform& os,
                                           const MemoryConfig& config) {
  if (!config.oom_kill_path) return std::nullopt;
  const auto file = read(os, *config.oom_kill_path);
  if (!file.text) return std::nullopt;
  return counter(*file.text, "oom_kill");
}

CpusetConfig read_cpuset_config(const platform::Platform& os, const Discovery& discovery) {
  CpusetConfig config;
  Reader reader(os, config);
  const auto* location = reader.locate(discovery, "cpuset");
  if (location == nullptr) return config;
  const bool v2 = location->version == Version::v2;
  const auto& leaf = *location->directory;
  const auto cpus = reader(leaf + (v2 ? "/cpuset.cpus.effective" : "/cpuset.cpus"));
  const auto mems = reader(leaf + (v2 ? "/cpuset.mems.effective" : "/cpuset.mems"));
  if (cpus.text) config.cpus = text::parse_cpu_list(*cpus.text);
  if (mems.text) config.mems = text::parse_cpu_list(*mems.text);
  return config;
}

}  // namespace capprobe::probes::cgroup
