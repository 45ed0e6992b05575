// POSIX implementation of owner_only_file.hpp: open(O_CREAT | O_EXCL, 0600) for a new file,
// stat + chmod for an existing one.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "collector/owner_only_file.hpp"

namespace capprobe::collector {
namespace {

constexpr mode_t kOwnerOnly = S_IRUSR | S_IWUSR;  // 0600
constexpr mode_t kOthersAccess = S_IRWXG | S_IRWXO;

std::string failure(const std::string& what, int error) {
  return what + ": " + std::strerror(error);
}

std::string octal(mode_t mode) {
  char text[8];
  std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777));
  return text;
}

// O_EXCL: created here, so no one else can hold it open from a moment when it was wider. The
// descriptor is closed before SQLite opens the file, so it cannot drop SQLite's POSIX locks.
std::variant<OwnerOnly, std::string> create(const std::string& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, kOwnerOnly);
  if (fd < 0) return failure("creating " + path, errno);
  ::close(fd);
  return OwnerOnly{OwnerOnly::Found::created, {}};
}

// By path, not through a descriptor of ours: closing one would release the POSIX locks that a
// SQLite connection of this process may already hold on the file.
std::variant<OwnerOnly, std::string> tighten(const std::string& path, const struct stat& info) {
  if (!S_ISREG(info.st_mode)) return path + " is not a regular file";
  if ((info.st_mode & kOthersAccess) == 0)
    return OwnerOnly{OwnerOnly::Found::already_owner_only, {}};
  if (::chmod(path.c_str(), kOwnerOnly) != 0)
    return failure("restricting access to " + path, errno);
  return OwnerOnly{OwnerOnly::Found::tightened, octal(info.st_mode)};
}

}  // namespace

std::variant<OwnerOnly, std::string> make_owner_only(const std::string& path,
                                                     IfMissing if_missing) {
  struct stat info {};
  if (::stat(path.c_str(), &info) == 0) return tighten(path, info);
  if (errno != ENOENT) return failure(path, errno);
  if (if_missing == IfMissing::leave) return OwnerOnly{OwnerOnly::Found::missing, {}};
  // Should another process create it between the stat and here, O_EXCL fails and so does the
  // start: a file made by someone else is not taken over silently.
  return create(path);
}

}  // namespace capprobe::collector
