// The one list of Linux probes, and the factory each probe file defines
// (`Probe <name>_probe()` in capprobe::probes). registry_linux.cpp builds the catalog from the
// list; a test that runs one probe whole includes this for its factory.
#pragma once

#include "probes/probe.hpp"

#define CAPPROBE_LINUX_PROBES(X) \
  X(fs_symlink)                  \
  X(fs_readonly_root)            \
  X(fs_host_path)                \
  X(fs_pipe_mount)               \
  X(host_network)                \
  X(host_pid)                    \
  X(host_ipc)                    \
  X(resources_cpu_limit)         \
  X(resources_memory_limit)      \
  X(topology_numa)               \
  X(isolation_kernel)            \
  X(security_identity)           \
  X(security_capabilities)       \
  X(security_confinement)        \
  X(platform_os)

namespace capprobe::probes {

#define CAPPROBE_DECLARE(name) Probe name##_probe();
CAPPROBE_LINUX_PROBES(CAPPROBE_DECLARE)
#undef CAPPROBE_DECLARE

}  // namespace capprobe::probes
