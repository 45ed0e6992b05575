// CPUID on architectures that have no such instruction (arm64, ...): the build picks this file
// there, and probes read ENOSYS as "no CPUID", not as a failure.
#include <cerrno>

#include "platform/linux/errno_names.hpp"
#include "platform/linux/linux_platform.hpp"

namespace capprobe::platform {

Result<CpuidRegisters> LinuxPlatform::cpuid(std::uint32_t, std::uint32_t) const {
  return posix::os_error(ENOSYS, "cpuid: not an x86 CPU");
}

}  // namespace capprobe::platform
