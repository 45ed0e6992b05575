// Who and where the results are about: downward-API environment first, then the pod spec, then
// what the kernel says.
#include "agent/subject.hpp"

#include <array>
#include <cctype>
#include <utility>

#include "agent/log.hpp"
#include "platform/linux_facts.hpp"
#include "platform/windows_facts.hpp"
#include "probes/common/text.hpp"
#include "probes/isolation/assess.hpp"

namespace capprobe::agent {
namespace {

std::optional<std::string> non_empty_env(const platform::Platform& os, const std::string& name) {
  auto value = os.env(name);
  if (value && value->empty()) return std::nullopt;
  return value;
}

// os-release values are shell-quoted: "Debian GNU/Linux 12 (bookworm)", 'x', or bare words.
std::string unquote(std::string_view value) {
  value = probes::text::trim(value);
  if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') &&
      value.back() == value.front()) {
    const char quote = value.front();
    value = value.substr(1, value.size() - 2);
    if (quote == '\'') return std::string(value);
  }
  std::string out;
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (value[i] == '\\' && i + 1 < value.size()) ++i;
    out += value[i];
  }
  return out;
}

// The OS release as people name it: os-release(5)'s PRETTY_NAME on Linux ("Debian GNU/Linux
// 12 (bookworm)"), the image's ProductName on Windows ("Windows Server 2022 Datacenter"); ""
// when the platform cannot tell.
std::string os_version(const platform::Platform& os) {
  if (const auto* facts = os.as_linux()) {
    // /etc/os-release, falling back to /usr/lib/os-release.
    for (const char* path : {"/etc/os-release", "/usr/lib/os-release"}) {
      const auto text = facts->read_file(path, 64 * 1024);
      if (!text) continue;
      if (auto name = os_release_pretty_name(text.value()); !name.empty()) return name;
    }
    return "";
  }
  if (const auto* facts = os.as_windows()) {
    const auto image = facts->image_version();
    if (image && image.value().product_name) return *image.value().product_name;
  }
  return "";
}

}  // namespace

std::string arch_name(std::string_view machine) {
  constexpr std::array<std::pair<std::string_view, std::string_view>, 7> kNames{{
      {"x86_64", "amd64"},
      {"amd64", "amd64"},
      {"aarch64", "arm64"},
      {"arm64", "arm64"},
      {"i686", "386"},
      {"i386", "386"},
      {"ppc64le", "ppc64le"},
  }};
  for (const auto& [uname, go] : kNames)
    if (uname == machine) return std::string(go);
  if (machine.rfind("armv", 0) == 0) return "arm";
  return std::string(machine);
}

std::string os_name(std::string_view sysname) {
  std::string name;
  for (const unsigned char c : sysname) name += static_cast<char>(std::tolower(c));
  return name == "windows_nt" ? "windows" : name;
}

std::string environment_name(std::string_view isolation_observed) {
  if (isolation_observed == "host") return "host";
  if (isolation_observed == "shared_kernel") return "container";
  if (isolation_observed == "vm_guest") return "vm_guest";
  if (isolation_observed == "sandbox") return "sandbox";
  return isolation_observed.empty() ? "unknown" : std::string(isolation_observed);
}

std::string os_release_pretty_name(std::string_view os_release) {
  for (const auto& line : probes::text::lines(os_release)) {
    const auto trimmed = probes::text::trim(line);
    if (probes::text::starts_with(trimmed, "PRETTY_NAME="))
      return unquote(trimmed.substr(std::string_view("PRETTY_NAME=").size()));
  }
  return "";
}

Subject describe_subject(const platform::Platform& os, const probes::PodRequests& requests,
                         std::string_view isolation_observed) {
  Subject subject;
  const auto kernel = os.kernel_info();
  if (!kernel) logger("subject")->warn("uname failed error={}", kernel.error().describe());

  subject.node = non_empty_env(os, "NODE_NAME").value_or(kernel ? kernel.value().nodename : "");

  const auto env_namespace = non_empty_env(os, "POD_NAMESPACE");
  const auto env_name = non_empty_env(os, "POD_NAME");
  if (env_namespace && env_name)
    subject.pod = *env_namespace + "/" + *env_name;
  else if (requests.pod_namespace && requests.pod_name)
    subject.pod = *requests.pod_namespace + "/" + *requests.pod_name;

  // Only a name that means it: --container, CAPPROBE_CONTAINER or the pod spec (never
  // CONTAINER_NAME, which other tools set too).
  subject.container = requests.container_name;
  subject.runtime_class = requests.runtime_class;

  if (kernel) {
    subject.os = os_name(kernel.value().sysname);
    subject.arch = arch_name(kernel.value().machine);
    subject.kernel = kernel.value().release;
  }
  subject.os_version = os_version(os);
  subject.environment = environment_name(isolation_observed);
  return subject;
}

Subject describe_subject(const platform::Platform& os, const probes::PodRequests& requests) {
  std::string observed;
  try {
    observed = probes::assess_isolation(os).observed;
  } catch (const std::exception& failure) {
    logger("subject")->warn("the isolation assessment failed error={}", failure.what());
  }
  return describe_subject(os, requests, observed);
}

}  // namespace capprobe::agent
