// platform.os on Linux: the distribution from os-release(5), the kernel and architecture from
// uname. The Windows build fields stay null.
#include "platform/linux_facts.hpp"
#include "probes/os/platform_os.hpp"
#include "probes/probe.hpp"

namespace capprobe::probes {
namespace {

nlohmann::json field(const std::map<std::string, std::string>& release, const std::string& key) {
  const auto found = release.find(key);
  if (found == release.end() || found->second.empty()) return nullptr;
  return found->second;
}

CapabilityResult run(ProbeContext& ctx) {
  CapabilityResult result;
  result.id = "platform.os";
  result.observed = "linux";
  auto& e = result.evidence;
  e["os"] = "linux";
  e["build"] = nullptr;  // a Windows build number; Linux has none

  // os-release(5): /etc/os-release, falling back to /usr/lib/os-release.
  std::map<std::string, std::string> release;
  std::string release_problem;
  for (const char* path : {"/etc/os-release", "/usr/lib/os-release"}) {
    auto content = platform::linux_facts(ctx.os).read_file(path, 64 * 1024);
    if (content) {
      release = parse_os_release(content.value());
      e["os_release_path"] = path;
      release_problem.clear();
      break;
    }
    release_problem += (release_problem.empty() ? "" : ", ") + content.error().describe();
  }
  if (!release_problem.empty()) e["os_release_error"] = release_problem;
  e["version"] = field(release, "PRETTY_NAME");
  e["release"] = field(release, "VERSION_ID");
  e["distribution"] = field(release, "ID");

  const auto kernel = ctx.os.kernel_info();
  e["kernel"] = kernel ? nlohmann::json(kernel.value().release) : nullptr;
  e["arch"] = kernel ? nlohmann::json(kubernetes_arch(kernel.value().machine)) : nullptr;
  e["machine"] = kernel ? nlohmann::json(kernel.value().machine) : nullptr;
  if (!kernel) e["kernel_error"] = kernel.error().name;

  if (!kernel && release.empty()) {
    result.status = Status::untested;
    result.summary = "Neither uname (" + kernel.error().name + ") nor os-release (" +
                     release_problem + ") could be read";
    return result;
  }
  result.status = Status::supported;
  result.summary = "Linux";
  if (e["version"].is_string()) result.summary += ", " + e["version"].get<std::string>();
  if (kernel) {
    result.summary +=
        ", kernel " + kernel.value().release + " on " + kubernetes_arch(kernel.value().machine);
  } else {
    result.summary += " (uname failed: " + kernel.error().name + ")";
  }
  if (!release_problem.empty()) result.summary += " (no os-release: " + release_problem + ")";
  return result;
}

}  // namespace

Probe platform_os_linux_probe() {
  return {platform_os_info(), run};
}

}  // namespace capprobe::probes
