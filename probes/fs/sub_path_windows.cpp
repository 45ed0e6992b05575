// fs.subpath on Windows: no mount table to read, so the pod spec's subPaths alone, each
// written through (where allowed) and looked for in the volume's other mount.
#include "probes/fs/sub_path.hpp"

namespace capprobe::probes {

Probe fs_sub_path_windows_probe() {
  return {fs::sub_path_info(), [](ProbeContext& ctx) {
            return fs::judge_sub_path(fs::collect_sub_path_facts(ctx, nullptr));
          }};
}

}  // namespace capprobe::probes
