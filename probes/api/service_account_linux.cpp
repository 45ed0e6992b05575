// api.service_account on Linux: the kubelet's mount of the service account.
#include "probes/api/service_account.hpp"

namespace capprobe::probes {

Probe api_service_account_linux_probe() {
  return {api::service_account_info(), [](ProbeContext& ctx) {
            return api::judge_service_account(api::collect_service_account_facts(
                ctx, ctx.api.service_account_dir.value_or(api::kServiceAccountDir)));
          }};
}

}  // namespace capprobe::probes
