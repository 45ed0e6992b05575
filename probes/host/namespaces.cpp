// Namespace links and the node-agent scan shared by host.* and the isolation judgement.
#include "probes/host/namespaces.hpp"

#include <algorithm>
#include <set>

#include "platform/linux_facts.hpp"
#include "probes/common/json.hpp"
#include "probes/common/text.hpp"

namespace capprobe::probes::ns {

std::optional<std::uint64_t> initial_inode(std::string_view kind) {
  if (kind == "ipc") return 0xEFFFFFFFu;
  if (kind == "uts") return 0xEFFFFFFEu;
  if (kind == "user") return 0xEFFFFFFDu;
  if (kind == "pid" || kind == "pid_for_children") return 0xEFFFFFFCu;
  if (kind == "cgroup") return 0xEFFFFFFBu;
  if (kind == "time" || kind == "time_for_children") return 0xEFFFFFFAu;
  return std::nullopt;
}

std::optional<std::uint64_t> newest_kernels_initial_inode(std::string_view kind) {
  if (kind == "net") return 0xEFFFFFF9u;
  if (kind == "mnt") return 0xEFFFFFF8u;
  return std::nullopt;
}

std::optional<bool> NamespaceLink::initial() const {
  if (!inode) return std::nullopt;
  if (const auto expected = initial_inode(kind)) return *inode == *expected;
  // net and mnt: the fixed number proves the initial namespace (dynamic numbers start at
  // 0xF0000000), but any other number says nothing, since older kernels gave it a dynamic one.
  if (const auto newest = newest_kernels_initial_inode(kind); newest && *inode == *newest)
    return true;
  return std::nullopt;
}

nlohmann::json NamespaceLink::json() const {
  if (!readable()) return nullptr;
  return link;
}

std::optional<std::uint64_t> parse_namespace_link(std::string_view link, std::string_view kind) {
  link = text::trim(link);
  // pid_for_children links read "pid:[...]": the prefix is the namespace type, not the file.
  std::string_view type = kind;
  if (kind == "pid_for_children") type = "pid";
  if (kind == "time_for_children") type = "time";
  const std::string expected = std::string(type) + ":[";
  if (!text::starts_with(link, expected) || link.size() <= expected.size() || link.back() != ']')
    return std::nullopt;
  return text::parse_uint(link.substr(expected.size(), link.size() - expected.size() - 1));
}

NamespaceLink read_namespace(const platform::Platform& os, std::string_view process,
                             std::string_view kind) {
  NamespaceLink out;
  out.kind = std::string(kind);
  out.process = std::string(process);
  const auto path = "/proc/" + out.process + "/ns/" + out.kind;
  auto link = platform::linux_facts(os).read_link(path);
  if (!link) {
    out.error = link.error();
    return out;
  }
  out.inode = parse_namespace_link(link.value(), kind);
  if (!out.inode) {
    // A link we cannot parse is a fact worth keeping, not a namespace we understand.
    out.error = platform::OsError{0, "EUNPARSABLE", "readlink " + path + " gave " + link.value()};
    return out;
  }
  out.link = std::string(text::trim(link.value()));
  return out;
}

std::string unreadable_reason(const NamespaceLink& link) {
  const auto path = "/proc/" + link.process + "/ns/" + link.kind;
  if (!link.error) return path + " was read";
  const auto& name = link.error->name;
  if (link.error->is_denied()) {
    if (link.process == "self")
      return "reading " + path + " was denied (" + name +
             "): it needs ptrace-read access to this process, which an LSM policy (AppArmor, "
             "SELinux) or the /proc mount withholds";
    return "reading " + path + " was denied (" + name + "): it needs ptrace-read access to pid " +
           link.process +
           " (its user or CAP_SYS_PTRACE; a non-dumpable process or an LSM can still refuse)";
  }
  if (link.error->is_absent())
    return path + " does not exist (" + name +
           "): /proc is not mounted here or the kernel lacks this namespace type";
  return "reading " + path + " failed (" + link.error->describe() + ")";
}

const std::vector<std::string>& node_agent_names() {
  // k3s embeds the kubelet in its server/agent processes. The runtimes' own per-container
  // processes (runc, crun, the containerd shims, conmon) run on the node too: seeing them proves
  // the node's kernel as well as the kubelet does (a pod VM's guest runs none of them: the Kata
  // agent starts containers itself). comm is cut to 15 characters, so every
  // "containerd-shim-runc-v2" reads "containerd-shim".
  static const std::vector<std::string> names = {"kubelet",         "containerd", "dockerd", "crio",
                                                 "k3s-server",      "k3s-agent",  "runc",    "crun",
                                                 "containerd-shim", "conmon"};
  return names;
}

nlohmann::json ProcessScan::json() const {
  nlohmann::json out = {{"node_agents", node_agents},
                        {"pid1_comm", json_or_null(pid1_comm)},
                        {"processes_seen", processes_seen},
                        {"truncated", truncated}};
  if (error) out["error"] = error->name;
  return out;
}

ProcessScan scan_processes(const platform::Platform& os, std::size_t limit) {
  ProcessScan scan;
  if (auto pid1 = platform::linux_facts(os).read_file("/proc/1/comm", 256))
    scan.pid1_comm = std::string(text::trim(pid1.value()));
  auto entries = platform::linux_facts(os).list_dir("/proc");
  if (!entries) {
    scan.error = entries.error();
    return scan;
  }
  const auto& names = node_agent_names();
  std::set<std::string> found;
  std::size_t visited = 0;
  for (const auto& entry : entries.value()) {
    if (entry.empty() ||
        !std::all_of(entry.begin(), entry.end(), [](char c) { return c >= '0' && c <= '9'; }))
      continue;
    if (visited++ >= limit) {
      scan.truncated = true;
      break;
    }
    // Processes exit during the scan (ENOENT): that is the normal race, not a failure.
    auto comm = platform::linux_facts(os).read_file("/proc/" + entry + "/comm", 256);
    if (!comm) continue;
    ++scan.processes_seen;
    const std::string name(text::trim(comm.value()));
    if (std::find(names.begin(), names.end(), name) != names.end()) found.insert(name);
  }
  scan.node_agents.assign(found.begin(), found.end());
  return scan;
}

}  // namespace capprobe::probes::ns
