// The files the user names on the command line (--pod-spec, -o). They are the user's paths in
// the current directory, not system facts under the platform's root, so they are plain C++
// file I/O here rather than Platform calls.
#pragma once

#include <cstddef>
#include <istream>
#include <optional>
#include <string>
#include <string_view>

namespace capprobe::agent {

struct FileRead {
  std::optional<std::string> content;
  std::string error;  // "No such file or directory", "larger than 4194304 bytes"...
};

// Reads `path` ("-" = `standard_input`), refusing more than `max_bytes`.
FileRead read_user_file(const std::string& path, std::istream& standard_input,
                        std::size_t max_bytes);

// The directory a file the user named lives in ("." for a bare name).
std::string directory_of(const std::string& path);

// Writes `content` to `path` atomically: a temp file `temp_name` in the same directory, then
// rename over `path`, so a reader never sees half a report and a failure leaves the old file.
// Only a regular file is replaced that way; a device, a FIFO or a link is written through or
// refused (platform/output_file.hpp). Name the temp after the run's scratch name so that the
// residue sweeper recognises it if we die in between. Returns "" or why it failed.
std::string write_file_atomically(const std::string& path, std::string_view content,
                                  const std::string& temp_name);

}  // namespace capprobe::agent
