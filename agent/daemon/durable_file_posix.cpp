// POSIX implementation of durable_file.hpp: open(O_EXCL) + write + fsync + rename + fsync(dir).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

#include "agent/daemon/durable_file.hpp"

namespace capprobe::agent::daemon {
namespace {

std::string failure(const std::string& what, int error) {
  return what + ": " + std::strerror(error);
}

// Closes on scope exit; fsync/close results that matter are checked explicitly before.
struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

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
  const std::string temp = dir + "/" + temp_name;
  const std::string target = dir + "/" + final_name;
  Fd file{::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, static_cast<mode_t>(mode))};
  if (file.fd < 0) return failure("creating " + temp, errno);
  ::fchmod(file.fd, static_cast<mode_t>(mode));  // the exact mode, whatever the umask
  const auto fail = [&](const std::string& what) {
    const int error = errno;
    ::unlink(temp.c_str());
    return failure(what, error);
  };
  std::size_t written = 0;
  while (written < content.size()) {
    const auto n = ::write(file.fd, content.data() + written, content.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail("writing " + temp);
    written += static_cast<std::size_t>(n);
  }
  if (::fsync(file.fd) != 0) return fail("syncing " + temp);
  const int fd = file.fd;
  file.fd = -1;
  if (::close(fd) != 0) return fail("closing " + temp);
  if (::rename(temp.c_str(), target.c_str()) != 0) return fail("renaming " + temp);
  // The rename is durable only once the directory entry is on disk.
  Fd directory{::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
  if (directory.fd < 0 || ::fsync(directory.fd) != 0)
    return failure("syncing directory " + dir, errno);
  return "";
}

}  // namespace capprobe::agent::daemon
