// CPUID on x86 and x86-64 (the build picks this file by architecture): the hypervisor bit and
// vendor leaves that isolation.kernel reads.
#include <cpuid.h>

#include "platform/linux/linux_platform.hpp"

namespace capprobe::platform {

Result<CpuidRegisters> LinuxPlatform::cpuid(std::uint32_t leaf, std::uint32_t subleaf) const {
  // No max-leaf check: hypervisor leaves (0x40000000...) lie above the basic maximum by design,
  // and the probes judge the vendor strings they get back.
  CpuidRegisters regs;
  __cpuid_count(leaf, subleaf, regs.eax, regs.ebx, regs.ecx, regs.edx);
  return regs;
}

}  // namespace capprobe::platform
