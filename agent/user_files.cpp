// Reading the user's input file and writing the report file atomically (temp + rename).
#include "agent/user_files.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <system_error>

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
  if (std::filesystem::is_directory(path, code)) {
    read.error = "it is a directory";
    return read;
  }
  errno = 0;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    read.error = errno != 0 ? std::strerror(errno) : "cannot open it";
    return read;
  }
  auto content = read_bounded(in, max_bytes, read);
  if (read.error.empty()) read.content = std::move(content);
  return read;
}

std::string write_file_atomically(const std::string& path, std::string_view content,
                                  const std::string& temp_name) {
  namespace fs = std::filesystem;
  const fs::path target(path);
  const fs::path temp = target.parent_path() / temp_name;
  // "x": exclusive create, so a stale or hostile file of that name is never written through.
  errno = 0;
  std::FILE* file = std::fopen(temp.c_str(), "wbx");
  if (file == nullptr)
    return "creating " + temp.string() + ": " +
           (errno != 0 ? std::strerror(errno) : "fopen failed");
  const bool written = std::fwrite(content.data(), 1, content.size(), file) == content.size();
  const int write_errno = errno;
  const bool closed = std::fclose(file) == 0;
  std::error_code ignored;
  if (!written || !closed) {
    fs::remove(temp, ignored);
    return "writing " + temp.string() + ": " +
           std::strerror(write_errno != 0 ? write_errno : errno);
  }
  std::error_code renamed;
  fs::rename(temp, target, renamed);
  if (renamed) {
    fs::remove(temp, ignored);
    return "renaming " + temp.string() + " over it: " + renamed.message();
  }
  return "";
}

}  // namespace capprobe::agent
