// This build's catalog (probe.hpp's registered_probes) on Linux; CMake picks this file.
#include "probes/probe_list.hpp"

namespace capprobe::probes {

const std::vector<Probe>& registered_probes() {
  return linux_probes();
}

}  // namespace capprobe::probes
