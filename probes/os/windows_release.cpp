// Windows Server / semi-annual channel builds and the release names Kubernetes docs use.
#include "probes/os/windows_release.hpp"

#include <array>
#include <utility>

namespace capprobe::probes {

std::optional<std::string> windows_release_for_build(std::uint32_t build) {
  // 17763 is both 1809 and Windows Server 2019; Kubernetes node docs call it 1809.
  static constexpr std::array<std::pair<std::uint32_t, const char*>, 11> kReleases = {{
      {14393, "2016"},
      {16299, "1709"},
      {17134, "1803"},
      {17763, "1809"},
      {18362, "1903"},
      {18363, "1909"},
      {19041, "2004"},
      {19042, "20H2"},
      {20348, "2022"},
      {25398, "23H2"},
      {26100, "2025"},
  }};
  for (const auto& [number, release] : kReleases)
    if (number == build) return std::string(release);
  return std::nullopt;
}

}  // namespace capprobe::probes
