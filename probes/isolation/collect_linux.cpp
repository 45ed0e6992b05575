// Reads the Linux facts of the isolation judgement through the platform: CPUID, DMI, /proc and
// /sys. Every failure is kept as a fact (absent vs denied), nothing is decided here.
#include <algorithm>

#include "platform/linux_facts.hpp"
#include "probes/common/mountinfo.hpp"
#include "probes/common/text.hpp"
#include "probes/isolation/facts_linux.hpp"
#include "probes/resources/cgroup.hpp"
#include "probes/round_reads.hpp"

namespace capprobe::probes {
namespace {

std::optional<std::string> read_trimmed(const platform::Platform& os, const std::string& path) {
  auto content = platform::linux_facts(os).read_file(path, 64 * 1024);
  if (!content) return std::nullopt;
  return std::string(text::trim(content.value()));
}

void collect_cpuid(const platform::Platform& os, IsolationFacts& facts) {
  const auto cpuid = read_cpuid_hypervisor(os);
  facts.cpuid_hypervisor_bit = cpuid.hypervisor_bit;
  facts.cpuid_vendor = cpuid.vendor;
  facts.cpuid_vendor_next = cpuid.vendor_next;
}

void collect_dmi(const platform::Platform& os, IsolationFacts& facts) {
  auto vendor = platform::linux_facts(os).read_file("/sys/class/dmi/id/sys_vendor", 4096);
  if (vendor) {
    facts.dmi_sys_vendor = std::string(text::trim(vendor.value()));
  } else {
    facts.dmi_state = vendor.error().is_absent() ? "absent" : vendor.error().name;
  }
  if (auto product = platform::linux_facts(os).read_file("/sys/class/dmi/id/product_name", 4096))
    facts.dmi_product_name = std::string(text::trim(product.value()));
  facts.sys_hypervisor_type = read_trimmed(os, "/sys/hypervisor/type");
}

void collect_kernel(const platform::Platform& os, RoundReads& reads, IsolationFacts& facts) {
  facts.cmdline = read_trimmed(os, "/proc/cmdline");
  facts.proc_version = read_trimmed(os, "/proc/version");
  // Only existence matters; the first bytes are enough to prove it readable.
  const auto modules = platform::linux_facts(os).read_file("/proc/modules", 64);
  if (!modules) facts.modules_state = modules.error().is_absent() ? "absent" : modules.error().name;
  if (const auto& mounts = reads.mounts(os)) {
    if (const auto root = mount_containing(mounts.value(), "/")) {
      facts.root_source = root->source;
      facts.root_fs_type = root->fs_type;
    }
  }
}

void collect_container(const platform::Platform& os, IsolationFacts& facts) {
  facts.pid_ns = ns::read_namespace(os, "self", "pid");
  // The marker files are looked up in this process's own view (link_info), never under the
  // system root: with the node mounted at /host, /host/.dockerenv would be the node's.
  facts.dockerenv = static_cast<bool>(os.link_info("/.dockerenv"));
  facts.containerenv = static_cast<bool>(os.link_info("/run/.containerenv"));
  auto cgroup = platform::linux_facts(os).read_file("/proc/self/cgroup", 64 * 1024);
  if (!cgroup) return;
  for (const auto& membership : cgroup::parse_proc_cgroup(cgroup.value())) {
    const auto markers = cgroup_container_markers(membership.path);
    if (markers.empty()) continue;
    // The line as /proc/self/cgroup has it: "hierarchy-ID:controllers:path".
    facts.cgroup_paths.push_back(std::to_string(membership.hierarchy) + ":" +
                                 text::join(membership.controllers, ",") + ":" + membership.path);
    for (const auto& marker : markers)
      if (std::find(facts.cgroup_markers.begin(), facts.cgroup_markers.end(), marker) ==
          facts.cgroup_markers.end())
        facts.cgroup_markers.push_back(marker);
  }
}

void collect_freshness(const platform::Platform& os, IsolationFacts& facts) {
  if (auto boot_id = read_trimmed(os, "/proc/sys/kernel/random/boot_id")) facts.boot_id = *boot_id;
  if (auto uptime = platform::linux_facts(os).read_file("/proc/uptime", 256)) {
    const auto fields = text::split_whitespace(uptime.value());
    if (!fields.empty()) facts.uptime_s = text::parse_double(fields[0]);
  }
  // /proc/1 is our PID 1 only when /proc belongs to our PID namespace. After
  // `unshare --pid --fork` without a fresh /proc mount it is the parent namespace's procfs:
  // /proc/self/stat then names us by another pid, and /proc/1 is the node's init, whose early
  // start would pass for a freshly booted guest kernel.
  bool proc_is_ours = true;
  if (auto stat = platform::linux_facts(os).read_file("/proc/self/stat", 4096)) {
    facts.self_started_after_boot_s = started_after_boot_s(stat.value());
    const auto fields = text::split_whitespace(stat.value());
    const auto pid_seen = fields.empty() ? std::nullopt : text::parse_int(fields[0]);
    proc_is_ours = !pid_seen || *pid_seen == os.self_pid();
  }
  facts.proc_of_own_pid_namespace = proc_is_ours;
  if (!proc_is_ours) return;
  if (auto stat = platform::linux_facts(os).read_file("/proc/1/stat", 4096))
    facts.pid1_started_after_boot_s = started_after_boot_s(stat.value());
}

}  // namespace

std::vector<std::string> cgroup_container_markers(std::string_view path) {
  std::vector<std::string> markers;
  const auto add = [&markers](const char* marker) {
    if (std::find(markers.begin(), markers.end(), marker) == markers.end())
      markers.push_back(marker);
  };
  for (const auto& part : text::split(path, '/')) {
    const std::string_view c = part;
    // Unit names of the runtimes' own services ("containerd.service", "docker.service") are
    // the host's daemons, not containers: only the per-container names count.
    if (text::starts_with(c, "kubepods")) add("kubepods");
    if (c == "docker" || (text::starts_with(c, "docker-") && text::ends_with(c, ".scope")))
      add("docker");
    if (c == "containerd" || text::starts_with(c, "cri-containerd-")) add("containerd");
    if (text::starts_with(c, "crio-")) add("crio");
    if (text::starts_with(c, "libpod-") || c == "libpod_parent") add("libpod");
    if (text::starts_with(c, "lxc.payload")) add("lxc");
  }
  return markers;
}

std::optional<double> started_after_boot_s(std::string_view stat_text) {
  // comm (field 2) is in parentheses and may hold spaces or ')': fields restart after the last ')'.
  const auto close = stat_text.rfind(')');
  if (close == std::string_view::npos) return std::nullopt;
  const auto fields = text::split_whitespace(stat_text.substr(close + 1));
  constexpr std::size_t kStartTimeIndex = 22 - 3;  // field 3 (state) is the first after ')'
  if (fields.size() <= kStartTimeIndex) return std::nullopt;
  const auto ticks = text::parse_uint(fields[kStartTimeIndex]);
  if (!ticks) return std::nullopt;
  constexpr double kUserHz = 100.0;
  return static_cast<double>(*ticks) / kUserHz;
}

bool has_container_hints(const IsolationFacts& facts) {
  return facts.dockerenv || facts.containerenv || !facts.cgroup_markers.empty() ||
         facts.root_fs_type == "overlay" || facts.pid_ns.initial() == false;
}

IsolationFacts collect_isolation_facts(const platform::Platform& os, RoundReads& reads) {
  IsolationFacts facts;
  collect_cpuid(os, facts);
  collect_dmi(os, facts);
  collect_kernel(os, reads, facts);
  collect_container(os, facts);
  collect_freshness(os, facts);
  if (facts.pid_ns.initial() == true && has_container_hints(facts))
    facts.agent_scan = reads.process_scan(os);
  return facts;
}

IsolationFacts collect_isolation_facts(const platform::Platform& os) {
  RoundReads reads;
  return collect_isolation_facts(os, reads);
}

}  // namespace capprobe::probes
