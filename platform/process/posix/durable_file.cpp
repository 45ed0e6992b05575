// POSIX implementation of durable_file.hpp: private directories here, and the durable write
// through platform/output_file (open(O_EXCL) + write + fsync + rename + fsync(dir)).
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

#include "platform/output_file.hpp"
#include "platform/process/durable_file.hpp"

namespace capprobe::platform {
namespace {

std::string failure(const std::string& what, int error) {
  return what + ": " + std::strerror(error);
}

}  // namespace

std::string make_private_dirs(const std::string& dir) {
  if (dir.empty()) return "empty directory name";
  namespace fs = std::filesystem;
  std::vector<fs::path> missing;
  fs::path at = fs::path(dir).lexically_normal();
  std::error_code code;
  while (!at.empty() && !fs::exists(at, code)) {
    missing.push_back(at);
    if (at == at.parent_path()) break;
    at = at.parent_path();
  }
  for (auto it = missing.rbegin(); it != missing.rend(); ++it)
    if (::mkdir(it->c_str(), 0700) != 0 && errno != EEXIST)
      return failure("creating " + it->string(), errno);
  struct stat info {};
  if (::stat(dir.c_str(), &info) != 0) return failure(dir, errno);
  if (!S_ISDIR(info.st_mode)) return dir + " is not a directory";
  if (::access(dir.c_str(), W_OK | X_OK) != 0) return failure(dir, errno);
  return "";
}

std::string write_durably(const std::string& dir, const std::string& temp_name,
                          const std::string& final_name, std::string_view content, unsigned mode) {
  // The same temp + fsync + rename + fsync(dir) as any output file the user names.
  return platform::write_output_file(dir + "/" + final_name, content,
                                     {temp_name, mode, /*durable=*/true});
}

}  // namespace capprobe::platform
