// The places the residue sweeper looks in on Linux (sweeper.hpp: sweep_places): the temp dir,
// the root's places that fs.readonly_root writes in, the writable volumes of the mount table.
#include <set>

#include "agent/log.hpp"
#include "agent/sweeper.hpp"
#include "probes/common/mountinfo.hpp"
#include "probes/fs/mount_places.hpp"

namespace capprobe::agent {

SweepPlaces sweep_places(const platform::Platform& os, const probes::PodRequests& requests,
                         const std::vector<std::string>& extra) {
  SweepPlaces found;
  std::set<std::string> seen;
  const auto add = [&](const std::string& place) {
    if (place.empty() || probes::fs::asked_read_only(requests, place)) return;
    if (seen.insert(place).second) found.places.push_back(place);
  };
  const auto mounts = probes::read_mounts(os);
  if (!mounts)
    logger("sweeper")->debug("no mount list, sweeping the fixed places only error={}",
                             mounts.error().describe());
  const auto visible =
      mounts ? probes::visible_mounts(mounts.value()) : std::vector<probes::Mount>{};
  const auto writable = probes::fs::write_places(visible, requests, os.temp_dir());
  order_sweep_places(writable, {"/", "/etc", "/var/tmp"}, extra, add, found);
  return found;
}

}  // namespace capprobe::agent
