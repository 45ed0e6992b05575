// fs.readonly_root's catalog entry; the judges are per OS (readonly_root_<os>.cpp).
#include "probes/fs/readonly_root.hpp"

namespace capprobe::probes::fs {

ProbeInfo readonly_root_info() {
  return {.id = "fs.readonly_root",
          .title = "Read-only root filesystem",
          .pod_spec_field = "securityContext.readOnlyRootFilesystem",
          .scope = SpecScope::container,
          .platforms = {"linux", "windows"}};
}

}  // namespace capprobe::probes::fs
