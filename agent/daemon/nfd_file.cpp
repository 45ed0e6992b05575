// The NFD feature file, written through durable_file.
#include "agent/daemon/nfd_file.hpp"

#include <filesystem>

#include "agent/daemon/durable_file.hpp"
#include "agent/formats/format.hpp"

namespace capprobe::agent::daemon {

std::string write_nfd_file(const std::string& path, const Report& report,
                           const std::string& temp_name) {
  const std::filesystem::path target(path);
  const auto name = target.filename().string();
  if (name.empty() || name == "." || name == "..") return path + " is not a file name";
  const auto dir = target.parent_path().empty() ? std::string(".") : target.parent_path().string();
  // World-readable like any NFD feature file: nfd-worker may run as another user.
  return write_durably(dir, temp_name, name, render_nfd(report), 0644);
}

}  // namespace capprobe::agent::daemon
