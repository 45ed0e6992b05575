// This build's catalog (probe.hpp's registered_probes) on Windows; CMake picks this file.
#include "probes/probe_list.hpp"

namespace capprobe::probes {

const std::vector<Probe>& registered_probes() {
  return windows_probes();
}

}  // namespace capprobe::probes
