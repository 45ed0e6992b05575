// fs.host_path, what both OSes share: the catalog entry and how a requested hostPath is named.
// Linux finds the node's mounts in mountinfo (host_path_linux.hpp); Windows, which has no mount
// table, checks the pod spec's mount paths (host_path_windows.hpp).
#pragma once

#include <string>

#include "probes/probe.hpp"
#include "probes/requests.hpp"

namespace capprobe::probes::fs {

ProbeInfo host_path_info();

// "/data (volume data, hostPath /srv/data)"
std::string request_text(const HostPathRequest& request);

}  // namespace capprobe::probes::fs
