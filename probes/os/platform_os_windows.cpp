// platform.os on Windows: the kernel's build from RtlGetVersion, the image's from the registry
// (CurrentBuildNumber, UBR, ProductName), the architecture from the shared kernel_info(), and
// whose kernel it is from the isolation assessment.
#include "platform/windows_facts.hpp"
#include "probes/isolation/assess.hpp"
#include "probes/os/platform_os.hpp"
#include "probes/probe.hpp"

namespace capprobe::probes {
namespace {

CapabilityResult run(ProbeContext& ctx) {
  const auto& windows = platform::windows_facts(ctx.os);
  WindowsOsFacts facts;
  facts.kernel = windows.kernel_version();
  facts.image = windows.image_version();
  if (const auto kernel = ctx.os.kernel_info(); kernel && !kernel.value().machine.empty())
    facts.machine = kernel.value().machine;
  const auto& environment = isolation_of(ctx).environment;
  if (environment == "windows_hyperv") facts.kernel_of = "utility_vm";
  if (environment == "windows_process" || environment == "windows_hostprocess" ||
      environment == "host")
    facts.kernel_of = "node";
  return judge_windows_os(facts);
}

}  // namespace

Probe platform_os_windows_probe() {
  return {platform_os_info(), run};
}

}  // namespace capprobe::probes
