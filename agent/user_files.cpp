// Reading the user's input file and writing the report file atomically (temp + rename).
#include "agent/user_files.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <system_error>

#include "platform/output_file.hpp"
#include "platform/utf8_path.hpp"

namespace capprobe::agent {
namespace {

std::string read_bounded(std::istream& in, std::size_t max_bytes, FileRead& read) {
  std::string content;
  char buffer[64 * 1024];
  while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
    content.append(buffer, static_cast<std::size_t>(in.gcount()));
    if (content.size() > max_bytes) {
      read.error = "larger than " + std::to_string(max_bytes) + " bytes";
      return {};
    }
  }
  if (in.bad()) read.error = "read error";
  return content;
}

}  // namespace

FileRead read_user_file(const std::string& path, std::istream& standard_input,
                        std::size_t max_bytes) {
  FileRead read;
  if (path == "-") {
    auto content = read_bounded(standard_input, max_bytes, read);
    if (read.error.empty()) read.content = std::move(content);
    return read;
  }
  std::error_code code;
  if (std::filesystem::is_directory(platform::utf8_path(path), code)) {
    read.error = "it is a directory";
    return read;
  }
  errno = 0;
  std::ifstream in(platform::utf8_path(path), std::ios::binary);
  if (!in) {
    read.error = errno != 0 ? std::strerror(errno) : "cannot open it";
    return read;
  }
  auto content = read_bounded(in, max_bytes, read);
  if (read.error.empty()) read.content = std::move(content);
  return read;
}

std::string directory_of(const std::string& path) {
  // The OS's separators: both '\' and '/' on Windows (C:\reports\r.json is in C:\reports).
  auto parent = platform::utf8_string(platform::utf8_path(path).parent_path());
  return parent.empty() ? "." : parent;
}

std::string write_file_atomically(const std::string& path, std::string_view content,
                                  const std::string& temp_name) {
  platform::OutputOptions options;
  options.temp_name = temp_name;
  return platform::write_output_file(path, content, options);
}

}  // namespace capprobe::agent
