// fs.subpath on Linux: the pod spec's subPaths and the mount table's binds of a volume's
// subdirectory (mountinfo's root), written through where that is allowed.
#include "probes/common/mountinfo.hpp"
#include "probes/fs/sub_path.hpp"
#include "probes/round_reads.hpp"

namespace capprobe::probes {

Probe fs_sub_path_linux_probe() {
  return {fs::sub_path_info(), [](ProbeContext& ctx) {
            const auto& mounts = mounts_of(ctx);
            if (!mounts) {
              auto facts = fs::collect_sub_path_facts(ctx, nullptr);
              facts.mountinfo_error = mounts.error().name;
              return fs::judge_sub_path(facts);
            }
            const auto visible = visible_mounts(mounts.value());
            return fs::judge_sub_path(fs::collect_sub_path_facts(ctx, &visible));
          }};
}

}  // namespace capprobe::probes
