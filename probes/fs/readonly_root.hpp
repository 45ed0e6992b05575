// fs.readonly_root, what both OSes share: the catalog entry. Linux has a read-only root to judge
// (readonly_root_linux.hpp); Windows has none, and reports its C:\ write as evidence
// (readonly_root_windows.hpp).
#pragma once

#include "probes/probe.hpp"

namespace capprobe::probes::fs {

ProbeInfo readonly_root_info();

}  // namespace capprobe::probes::fs
