// File operations shared by the system-fact calls (under the system root) and the exercise calls
// (this process's own view): the callers decide the path, these do the syscalls.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "platform/platform.hpp"

namespace capprobe::platform::posix {

// open (following links) and read up to max_bytes; proc and sysfs files report size 0, so this
// reads until EOF rather than trusting st_size.
Result<std::string> read_all(const std::string& path, std::size_t max_bytes);
// Entry names without "." and "..", sorted so that answers do not depend on directory order.
Result<std::vector<std::string>> list_names(const std::string& path);
// The whole link text, however long (readlink truncates silently).
Result<std::string> read_link_text(const std::string& path);
Result<FileInfo> file_info(const std::string& path, bool follow_links);
// Removes `path` and everything below it without ever following a symlink or entering another
// filesystem; what it may not remove stays, and the first failure is returned.
Result<Done> remove_tree_in_place(const std::string& path);

// `parent` + "/" + `name` without doubling the slash.
std::string join_path(const std::string& parent, const std::string& name);

}  // namespace capprobe::platform::posix
