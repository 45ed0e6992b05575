// CPUID where the CPU has none (ARM64 Windows): ERROR_NOT_SUPPORTED, as ENOSYS on Linux.
#include <windows.h>

#include "platform/windows/win32_errors.hpp"
#include "platform/windows/windows_platform.hpp"

namespace capprobe::platform {

Result<CpuidRegisters> WindowsPlatform::cpuid(std::uint32_t, std::uint32_t) const {
  return win32::os_error(ERROR_NOT_SUPPORTED, "cpuid: this CPU has no CPUID instruction");
}

}  // namespace capprobe::platform
