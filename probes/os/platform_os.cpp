// platform.os: which OS, distribution release, kernel and architecture this runs on, from
// os-release(5) and uname. On Linux the Windows build fields stay null.
#include "probes/os/platform_os.hpp"

#include "platform/linux_facts.hpp"
#include "probes/common/text.hpp"
#include "probes/probe.hpp"

namespace capprobe::probes {
namespace {

std::string unquote(std::string_view value) {
  if (value.size() >= 2 && value.front() == '\'' && value.back() == '\'')
    return std::string(value.substr(1, value.size() - 2));  // single quotes: no escapes
  if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
    std::string out;
    const auto inner = value.substr(1, value.size() - 2);
    for (std::size_t i = 0; i < inner.size(); ++i) {
      if (inner[i] == '\\' && i + 1 < inner.size()) ++i;
      out += inner[i];
    }
    return out;
  }
  return std::string(value);
}

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

std::map<std::string, std::string> parse_os_release(std::string_view text) {
  std::map<std::string, std::string> out;
  for (const auto& line : text::lines(text)) {
    const auto trimmed = text::trim(line);
    if (trimmed.empty() || trimmed.front() == '#') continue;
    const auto equals = trimmed.find('=');
    if (equals == std::string_view::npos || equals == 0) continue;
    out[std::string(trimmed.substr(0, equals))] = unquote(trimmed.substr(equals + 1));
  }
  return out;
}

std::string kubernetes_arch(std::string_view machine) {
  if (machine == "x86_64" || machine == "amd64") return "amd64";
  if (machine == "aarch64" || machine == "arm64") return "arm64";
  if (machine == "i386" || machine == "i486" || machine == "i586" || machine == "i686")
    return "386";
  if (text::starts_with(machine, "armv")) return "arm";
  return std::string(machine);  // ppc64le, s390x, riscv64 are spelled the same
}

Probe platform_os_linux_probe() {
  return {{.id = "platform.os",
           .title = "Operating system, release, kernel and architecture",
           .pod_spec_field = "nodeSelector kubernetes.io/os, node.kubernetes.io/windows-build",
           .platforms = {"linux"}},
          run};
}

}  // namespace capprobe::probes
