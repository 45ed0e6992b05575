// fs.empty_dir on Windows: no mount table, so the pod spec's emptyDirs, each looked at (its
// volume's size) and written to; the medium is unknown unless the filesystem says tmpfs (it
// never does on Windows, which has no memory medium of its own).
#include "probes/fs/empty_dir.hpp"

namespace capprobe::probes {

Probe fs_empty_dir_windows_probe() {
  return {fs::empty_dir_info(), [](ProbeContext& ctx) {
            return fs::judge_empty_dir(fs::collect_empty_dir_facts(ctx, nullptr));
          }};
}

}  // namespace capprobe::probes
