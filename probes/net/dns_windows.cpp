// net.dns on Windows: a Windows container has no resolv.conf; the kubelet hands the DNS servers
// and search list to the network adapter, which this build does not read yet. Untested, and
// says so, rather than guessing from another source.
#include "probes/common/judge.hpp"
#include "probes/net/dns.hpp"

namespace capprobe::probes {

Probe net_dns_windows_probe() {
  return {net::dns_info(), [](ProbeContext& ctx) {
            CapabilityResult result;
            result.id = "net.dns";
            if (ctx.requests.from_pod_spec)
              result.requested =
                  ctx.requests.dns_policy.has_value() || ctx.requests.dns_config.has_value();
            result.evidence["resolv_conf"] = nullptr;
            result.evidence["mismatches"] = nlohmann::json::array();
            result.evidence["query"] = {{"name", nullptr},
                                        {"server", nullptr},
                                        {"not_sent", "the DNS settings are not read on Windows"}};
            set_verdict(result, Status::untested, "no_resolver",
                        "Windows keeps the pod's DNS servers and search list on its network "
                        "adapter, which capprobe does not read yet: no lookup was sent");
            return result;
          }};
}

}  // namespace capprobe::probes
