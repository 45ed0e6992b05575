// --nfd-file: the Node Feature Discovery local feature file (render_nfd), replaced atomically
// each round so that nfd-worker never reads half a file.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "agent/report.hpp"

namespace capprobe::agent::daemon {

// Writes render_nfd(report) to `path` through `temp_name` in the same directory (temp + fsync
// + rename). Name the temp after the run's scratch name (a dot file, which NFD skips, and
// which the residue sweeper recognises if we die in between). With `expires`, the file starts
// with NFD's "# +expiry-time=<RFC3339>" directive, after which nfd-worker drops its labels: a
// stopped agent's last verdicts do not label the node forever. Returns "" or why it failed.
std::string write_nfd_file(const std::string& path, const Report& report,
                           const std::string& temp_name,
                           std::optional<std::chrono::system_clock::time_point> expires = {});

}  // namespace capprobe::agent::daemon
