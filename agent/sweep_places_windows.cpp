// The places the residue sweeper looks in on Windows (sweeper.hpp: sweep_places): the temp dir
// and the volumes of the pod spec that fs.symlink writes in (probes::fs::win_write_places: there
// is no mount table), and the root of the system drive, where fs.readonly_root writes.
#include <set>

#include "agent/sweeper.hpp"
#include "probes/fs/paths_windows.hpp"

namespace capprobe::agent {

SweepPlaces sweep_places(const platform::Platform& os, const probes::PodRequests& requests,
                         const std::vector<std::string>& extra) {
  SweepPlaces found;
  std::set<std::string> seen;  // compared as Windows compares paths
  const auto add = [&](const std::string& place) {
    if (place.empty() || probes::fs::win_asked_read_only(requests, place)) return;
    if (seen.insert(probes::fs::win_path_key(place)).second) found.places.push_back(place);
  };
  const auto writable = probes::fs::win_write_places(requests, os.temp_dir());
  const auto drive = os.env("SystemDrive");
  const std::string root = (drive && !drive->empty() ? *drive : std::string("C:")) + "\\";
  order_sweep_places(writable, {root}, extra, add, found);
  return found;
}

}  // namespace capprobe::agent
