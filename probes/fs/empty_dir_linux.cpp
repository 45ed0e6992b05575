// fs.empty_dir on Linux: the medium from the mount table (a tmpfs is memory), the rest shared.
#include "probes/common/mountinfo.hpp"
#include "probes/fs/empty_dir.hpp"
#include "probes/round_reads.hpp"

namespace capprobe::probes {

Probe fs_empty_dir_linux_probe() {
  return {fs::empty_dir_info(), [](ProbeContext& ctx) {
            const auto& mounts = mounts_of(ctx);
            if (!mounts) return fs::judge_empty_dir(fs::collect_empty_dir_facts(ctx, nullptr));
            const auto visible = visible_mounts(mounts.value());
            return fs::judge_empty_dir(fs::collect_empty_dir_facts(ctx, &visible));
          }};
}

}  // namespace capprobe::probes
