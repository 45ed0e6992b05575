// isolation.kernel on Windows: the runtime classes that ask for Hyper-V isolation (containerd's
// "runhcs-wcow-hypervisor" handler, and the names clusters give it: "hyperv", "windows-hyperv").
// A low-confidence assessment never reports such a request as ignored: process and Hyper-V
// isolation differ only in the signals PROBES.md lists, and a guess must not be the loudest
// finding.
#include "probes/isolation/kernel.hpp"

namespace capprobe::probes {

Probe isolation_kernel_windows_probe() {
  static const IsolationRequestRule rule{{"hyperv", "hypervisor"}, false};
  return {isolation_kernel_info(), [](ProbeContext& ctx) {
            return isolation_kernel_result(isolation_of(ctx), ctx.requests, rule);
          }};
}

}  // namespace capprobe::probes
