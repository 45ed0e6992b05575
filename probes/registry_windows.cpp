// The Windows catalog, from the one list in probe_list.hpp.
#include "probes/probe_list.hpp"

namespace capprobe::probes {

const std::vector<Probe>& windows_probes() {
#define CAPPROBE_MAKE(name) name##_windows_probe(),
  static const std::vector<Probe> probes = checked_catalog({CAPPROBE_PROBES(CAPPROBE_MAKE)});
#undef CAPPROBE_MAKE
  return probes;
}

}  // namespace capprobe::probes
