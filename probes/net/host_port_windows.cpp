// net.host_port on Windows: the shared trial over Platform::port_trial.
#include "probes/net/host_port.hpp"

namespace capprobe::probes {

Probe net_host_port_windows_probe() {
  return {net::host_port_info(), [](ProbeContext& ctx) {
            return net::judge_host_port(net::collect_host_port_facts(ctx));
          }};
}

}  // namespace capprobe::probes
