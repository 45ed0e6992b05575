// The NFD feature file, written durably through platform/output_file.
#include "agent/daemon/nfd_file.hpp"

#include <filesystem>

#include "agent/formats/format.hpp"
#include "platform/output_file.hpp"

namespace capprobe::agent::daemon {

std::string write_nfd_file(const std::string& path, const Report& report,
                           const std::string& temp_name,
                           std::optional<std::chrono::system_clock::time_point> expires) {
  const std::filesystem::path target(path);
  const auto name = target.filename().string();
  if (name.empty() || name == "." || name == "..") return path + " is not a file name";
  // World-readable like any NFD feature file: nfd-worker may run as another user. Durable: a
  // node that loses power must not come back with half a feature file.
  const auto text = (expires ? "# +expiry-time=" + rfc3339_utc(*expires) + "\n" : std::string()) +
                    render_nfd(report);
  return platform::write_output_file(path, text, {temp_name, 0644u, /*durable=*/true});
}

}  // namespace capprobe::agent::daemon
