// fs.host_path's catalog entry and wording both OSes share; see host_path.hpp.
#include "probes/fs/host_path.hpp"

namespace capprobe::probes::fs {

ProbeInfo host_path_info() {
  return {.id = "fs.host_path",
          .title = "hostPath volumes from the node, read-only or read-write",
          .pod_spec_field = "volumes[].hostPath",
          .scope = SpecScope::container,
          .platforms = {"linux", "windows"}};
}

std::string request_text(const HostPathRequest& request) {
  return request.mount_path + " (volume " + request.volume + ", hostPath " + request.host_path +
         ")";
}

}  // namespace capprobe::probes::fs
