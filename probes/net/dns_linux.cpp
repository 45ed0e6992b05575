// net.dns on Linux: /etc/resolv.conf as this process sees it, and the one query.
#include "probes/net/dns.hpp"

namespace capprobe::probes {

Probe net_dns_linux_probe() {
  return {net::dns_info(),
          [](ProbeContext& ctx) { return net::judge_dns(net::collect_dns_facts(ctx)); }};
}

}  // namespace capprobe::probes
