// The Windows build number -> release name table of PROBES.md ("platform.os (Windows)"), pure so
// that the future Windows platform and its tests share one table.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace capprobe::probes {

// 17763 -> "1809", 20348 -> "2022"...; nullopt for a build that is no known release (Insider
// builds, client-only builds).
std::optional<std::string> windows_release_for_build(std::uint32_t build);

}  // namespace capprobe::probes
