// The Platform calls that have no Windows implementation yet (issue 9). Each answers
// ERROR_CALL_NOT_IMPLEMENTED, so a probe reports that it could not find out rather than a fact
// that nobody measured. Each moves to a file of its own when it is implemented.
#include "platform/windows/win32_errors.hpp"
#include "platform/windows/windows_platform.hpp"

namespace capprobe::platform {

using win32::not_implemented;

// AF_UNIX exists since Windows 10 1803, but fs.pipe_mount needs named pipes first.
Result<Done> WindowsPlatform::connect_unix(const std::string& path, std::chrono::milliseconds) {
  return not_implemented("connect_unix", path);
}

Result<std::vector<InterfaceAddress>> WindowsPlatform::interface_addresses() const {
  return not_implemented("interface_addresses");
}

Result<CpuidRegisters> WindowsPlatform::cpuid(std::uint32_t, std::uint32_t) const {
  return not_implemented("cpuid");
}

// The burn needs GetProcessTimes and the trial a job-object-limited child: both come with the
// Windows resources probes.
Result<BurnSample> WindowsPlatform::burn_cpu(int, std::chrono::milliseconds) {
  return not_implemented("burn_cpu");
}

Result<MemoryTrialOutcome> WindowsPlatform::run_memory_trial(const MemoryTrialPlan&) {
  return not_implemented("run_memory_trial");
}

}  // namespace capprobe::platform
