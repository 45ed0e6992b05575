// Paths that capprobe holds as UTF-8 text, to std::filesystem::path and back, the same on every
// OS. On Windows, path's std::string constructor, string() and the narrow file streams use the
// ANSI code page, which garbles every name outside it; char8_t text is UTF-8 everywhere.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace capprobe::platform {

inline std::filesystem::path utf8_path(std::string_view text) {
  return std::filesystem::path(std::u8string(text.begin(), text.end()));
}

inline std::string utf8_string(const std::filesystem::path& path) {
  const auto text = path.u8string();
  return std::string(text.begin(), text.end());
}

}  // namespace capprobe::platform
