// platform.os: which OS, release, kernel and architecture this runs on. The catalog entry and
// what both OSes' collectors share: the os-release(5) parser and Kubernetes' architecture names.
#include "probes/os/platform_os.hpp"

#include "probes/common/json.hpp"
#include "probes/common/text.hpp"
#include "probes/os/windows_release.hpp"

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

// "2022", or "no known release" for an Insider or client build.
std::string release_text(const std::optional<std::string>& release) {
  return release ? "release " + *release : "no known Windows Server release";
}

// Why an image's build can differ from the kernel's, by whose kernel it is.
std::string build_difference(const std::optional<std::string>& kernel_of) {
  if (kernel_of == "utility_vm") return "under Hyper-V isolation the kernel is the utility VM's";
  if (kernel_of == "node")
    return "under process isolation the node's kernel runs an image of another release";
  return "process isolation on a node of another release, or a utility VM's kernel";
}

}  // namespace

ProbeInfo platform_os_info() {
  return {.id = "platform.os",
          .title = "Operating system, release, kernel and architecture",
          .pod_spec_field = "nodeSelector kubernetes.io/os, node.kubernetes.io/windows-build",
          .platforms = {"linux", "windows"}};
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
  if (machine == "x86_64" || machine == "amd64" || machine == "AMD64") return "amd64";
  if (machine == "aarch64" || machine == "arm64" || machine == "ARM64") return "arm64";
  if (machine == "i386" || machine == "i486" || machine == "i586" || machine == "i686" ||
      machine == "x86")
    return "386";
  if (text::starts_with(machine, "armv")) return "arm";
  return std::string(machine);  // ppc64le, s390x, riscv64 are spelled the same
}

CapabilityResult judge_windows_os(const WindowsOsFacts& facts) {
  CapabilityResult result;
  result.id = "platform.os";
  result.observed = "windows";
  auto& e = result.evidence;
  e["os"] = "windows";

  std::optional<std::uint32_t> kernel_build;
  std::optional<std::string> kernel_release;
  if (facts.kernel) {
    const auto& v = facts.kernel.value();
    kernel_build = v.build;
    kernel_release = windows_release_for_build(v.build);
    e["kernel"] =
        std::to_string(v.major) + "." + std::to_string(v.minor) + "." + std::to_string(v.build);
    e["product_type"] = v.product_type == 1   ? nlohmann::json("workstation")
                        : v.product_type == 2 ? nlohmann::json("domain_controller")
                        : v.product_type == 3 ? nlohmann::json("server")
                                              : nlohmann::json(nullptr);
  } else {
    e["kernel"] = nullptr;
    e["kernel_error"] = facts.kernel.error().describe();
  }

  std::optional<std::uint32_t> image_build;
  std::optional<std::string> image_release;
  std::optional<std::string> version;
  if (facts.image) {
    const auto& image = facts.image.value();
    if (image.current_build_number)
      if (const auto number = text::parse_uint(*image.current_build_number);
          number && *number < (1ull << 32))
        image_build = static_cast<std::uint32_t>(*number);
    if (image_build) image_release = windows_release_for_build(*image_build);
    e["image_build"] = image.current_build_number
                           ? nlohmann::json(*image.current_build_number +
                                            (image.ubr ? "." + std::to_string(*image.ubr) : ""))
                           : nlohmann::json(nullptr);
    e["product_name"] = json_or_null(image.product_name);
    e["display_version"] = json_or_null(image.display_version);
    e["installation_type"] = json_or_null(image.installation_type);
    if (image.product_name)
      version =
          *image.product_name + (image.display_version ? " (" + *image.display_version + ")" : "");
  } else {
    e["image_build"] = nullptr;
    e["image_error"] = facts.image.error().describe();
  }
  e["image_release"] = json_or_null(image_release);
  e["version"] = json_or_null(version);
  // The kernel's build is the node's windows-build label (or the utility VM's); the image's
  // stands in only when RtlGetVersion failed.
  const auto build = kernel_build ? kernel_build : image_build;
  e["build"] = json_or_null(build);
  e["release"] = kernel_build ? json_or_null(kernel_release) : json_or_null(image_release);
  e["release_source"] = kernel_build  ? nlohmann::json("kernel")
                        : image_build ? nlohmann::json("image")
                                      : nlohmann::json(nullptr);
  e["kernel_of"] = json_or_null(facts.kernel_of);
  e["machine"] = json_or_null(facts.machine);
  e["arch"] = facts.machine ? nlohmann::json(kubernetes_arch(*facts.machine)) : nullptr;

  if (!build) {
    result.status = Status::untested;
    result.summary =
        "Neither the kernel's build (" +
        (facts.kernel ? std::string("no build") : facts.kernel.error().describe()) +
        ") nor the image's (" +
        (facts.image ? std::string("no CurrentBuildNumber") : facts.image.error().describe()) +
        ") could be read";
    return result;
  }
  result.status = Status::supported;
  result.summary = version.value_or("Windows");
  if (kernel_build) {
    result.summary +=
        ", kernel " + e["kernel"].get<std::string>() + " (" + release_text(kernel_release) + ")";
  } else {
    result.summary += ", build " + std::to_string(*image_build) + " (" +
                      release_text(image_release) + ", from the image: RtlGetVersion failed)";
  }
  if (facts.machine) result.summary += " on " + kubernetes_arch(*facts.machine);
  if (kernel_build && image_build && *kernel_build != *image_build)
    result.summary += "; the image's build " + std::to_string(*image_build) + " (" +
                      release_text(image_release) +
                      ") differs from the kernel's: " + build_difference(facts.kernel_of);
  return result;
}

}  // namespace capprobe::probes
