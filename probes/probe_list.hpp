// The one list of probes: every capability of the catalog, on every OS. Each probe's
// <area>/<name>_<os>.cpp defines `Probe <name>_<os>_probe()` (in capprobe::probes), which
// collects that OS's facts and hands them to the probe's judge; registry_<os>.cpp builds the
// catalog of its OS from this list. Adding a probe: its files under probes/<area>/, its tests,
// and one line here.
#pragma once

#include <vector>

#include "probes/probe.hpp"

#define CAPPROBE_PROBES(X)  \
  X(fs_symlink)             \
  X(fs_readonly_root)       \
  X(fs_host_path)           \
  X(fs_pipe_mount)          \
  X(fs_sub_path)            \
  X(fs_empty_dir)           \
  X(host_network)           \
  X(host_pid)               \
  X(host_ipc)               \
  X(net_dns)                \
  X(net_host_port)          \
  X(resources_cpu_limit)    \
  X(resources_memory_limit) \
  X(topology_numa)          \
  X(isolation_kernel)       \
  X(security_identity)      \
  X(security_capabilities)  \
  X(security_confinement)   \
  X(api_service_account)    \
  X(platform_os)

namespace capprobe::probes {

#define CAPPROBE_DECLARE(name) \
  Probe name##_linux_probe();  \
  Probe name##_windows_probe();
CAPPROBE_PROBES(CAPPROBE_DECLARE)
#undef CAPPROBE_DECLARE

// Each OS's catalog, checked: one probe per id, and every result's summary a sentence that says
// why a request is unknown when the pod's container is (registry.cpp). registered_probes() in
// probe.hpp is the one of the OS this build is for.
const std::vector<Probe>& linux_probes();
const std::vector<Probe>& windows_probes();

// What both catalogs do to every probe (registry.cpp): the duplicate-id check and the wrapper.
std::vector<Probe> checked_catalog(std::vector<Probe> probes);

}  // namespace capprobe::probes
