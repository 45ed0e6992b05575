// isolation.kernel on Linux: the runtime classes that ask for a pod VM or a sandbox (Kata,
// Firecracker, gVisor, vSphere CRX).
#include "probes/isolation/kernel.hpp"

namespace capprobe::probes {

Probe isolation_kernel_linux_probe() {
  // "kata", "kata-qemu", "kata-fc", "firecracker", "gvisor", "runsc-kvm", "crx".
  static const IsolationRequestRule rule{{"kata", "fc", "firecracker", "gvisor", "runsc", "crx"},
                                         true};
  return {isolation_kernel_info(), [](ProbeContext& ctx) {
            return isolation_kernel_result(isolation_of(ctx), ctx.requests, rule);
          }};
}

}  // namespace capprobe::probes
