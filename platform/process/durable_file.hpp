// Files that must survive a crash or power loss at any instant: written to a temp name, synced,
// renamed into place, and the directory synced, so a reader sees the old file or the whole new
// one and a completed write is on disk (the agent's spool). Per OS in
// platform/process/<os>/durable_file.cpp, chosen by CMake.
#pragma once

#include <string>
#include <string_view>

namespace capprobe::platform {

// Creates `dir` and missing parents; a directory it creates gets mode 0700 (parents too: they
// are ours as well). An existing directory is left as it is. Returns "" or why it failed.
std::string make_private_dirs(const std::string& dir);

// Writes `content` to `dir`/`temp_name` (exclusive create, `mode`), fsyncs it, renames it to
// `dir`/`final_name` and fsyncs `dir`. On failure the temp file is removed and the old
// `final_name`, if any, is untouched. Returns "" or why it failed.
std::string write_durably(const std::string& dir, const std::string& temp_name,
                          const std::string& final_name, std::string_view content,
                          unsigned mode = 0600);

}  // namespace capprobe::platform
