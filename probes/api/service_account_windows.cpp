// api.service_account on Windows: the same mount (C:\var\run\secrets\...), or, in a HostProcess
// container, under %CONTAINER_SANDBOX_MOUNT_POINT%. Its files are symlinks into ..data as on
// Linux: a container that cannot follow them fails here, which is the point.
#include "probes/api/service_account.hpp"

namespace capprobe::probes {

Probe api_service_account_windows_probe() {
  return {api::service_account_info(), [](ProbeContext& ctx) {
            std::string dir = "C:\\var\\run\\secrets\\kubernetes.io\\serviceaccount";
            if (ctx.api.service_account_dir) {
              dir = *ctx.api.service_account_dir;
            } else if (const auto sandbox = ctx.os.env("CONTAINER_SANDBOX_MOUNT_POINT");
                       sandbox && !sandbox->empty()) {
              auto root = *sandbox;
              while (!root.empty() && (root.back() == '\\' || root.back() == '/')) root.pop_back();
              dir = root + "\\var\\run\\secrets\\kubernetes.io\\serviceaccount";
            }
            return api::judge_service_account(api::collect_service_account_facts(ctx, dir));
          }};
}

}  // namespace capprobe::probes
