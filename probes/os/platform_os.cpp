// platform.os: which OS, release, kernel and architecture this runs on. The catalog entry and
// what both OSes' collectors share: the os-release(5) parser and Kubernetes' architecture names.
#include "probes/os/platform_os.hpp"

#include "probes/common/text.hpp"

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

}  // namespace

ProbeInfo platform_os_info() {
  return {.id = "platform.os",
          .title = "Operating system, release, kernel and architecture",
          .pod_spec_field = "nodeSelector kubernetes.io/os, node.kubernetes.io/windows-build",
          .platforms = {"linux"}};
}

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

}  // namespace capprobe::probes
