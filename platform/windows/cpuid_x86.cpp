// CPUID on x86-64 Windows (the build picks this file by architecture): the hypervisor bit and
// the vendor leaves that isolation.kernel and topology.numa read. <intrin.h>'s __cpuidex, which
// both MSVC and mingw-w64 provide.
#include <intrin.h>

#include "platform/windows/windows_platform.hpp"

namespace capprobe::platform {

Result<CpuidRegisters> WindowsPlatform::cpuid(std::uint32_t leaf, std::uint32_t subleaf) const {
  // No max-leaf check, as on Linux: hypervisor leaves (0x40000000...) lie above the basic
  // maximum by design, and the probes judge the vendor strings they get back.
  int regs[4] = {};
  __cpuidex(regs, static_cast<int>(leaf), static_cast<int>(subleaf));
  return CpuidRegisters{static_cast<std::uint32_t>(regs[0]), static_cast<std::uint32_t>(regs[1]),
                        static_cast<std::uint32_t>(regs[2]), static_cast<std::uint32_t>(regs[3])};
}

}  // namespace capprobe::platform
