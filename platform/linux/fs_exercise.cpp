// The filesystem exercise calls: what this process itself can create, follow and remove, on the
// paths exactly as given (no system root), because the point is this process's own view.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <optional>
#include <vector>

#include "platform/linux/errno_names.hpp"
#include "platform/linux/file_ops.hpp"
#include "platform/linux/linux_platform.hpp"
#include "platform/linux/unique_fd.hpp"

namespace capprobe::platform {

using posix::last_error;
using posix::os_error;

Result<FsInfo> LinuxPlatform::fs_info(const std::string& path) const {
  struct statvfs vfs {};
  if (::statvfs(path.c_str(), &vfs) != 0) return last_error("statvfs", path);
  struct statfs fs {};
  if (::statfs(path.c_str(), &fs) != 0) return last_error("statfs", path);
  FsInfo info;
  info.read_only = (vfs.f_flag & ST_RDONLY) != 0;
  info.fs_magic = static_cast<std::uint64_t>(fs.f_type);
  info.total_bytes = static_cast<std::uint64_t>(vfs.f_blocks) * vfs.f_frsize;
  info.available_bytes = static_cast<std::uint64_t>(vfs.f_bavail) * vfs.f_frsize;
  return info;
}

Result<std::string> LinuxPlatform::make_private_dir(const std::string& parent,
                                                    const std::string& prefix) {
  const std::string pattern = posix::join_path(parent, prefix + "XXXXXX");
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  if (::mkdtemp(buffer.data()) == nullptr) return last_error("mkdtemp", pattern);  // 0700
  return std::string(buffer.data());
}

Result<Done> LinuxPlatform::create_file_exclusive(const std::string& path,
                                                  const std::string& content) {
  // O_EXCL|O_NOFOLLOW: never write through someone else's file or link.
  const int fd =
      ::open(path.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600);
  if (fd < 0) return last_error("open O_CREAT|O_EXCL", path);
  std::size_t written = 0;
  std::optional<OsError> failure;
  while (written < content.size()) {
    const ssize_t n = ::write(fd, content.data() + written, content.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      failure = last_error("write", path);
      break;
    }
    written += static_cast<std::size_t>(n);
  }
  // Some filesystems (NFS, FUSE, quotas) report a failed write only at close.
  if (::close(fd) != 0 && !failure) failure = last_error("close", path);
  if (failure) {
    // The file is ours (O_EXCL); a half-written one is residue.
    if (::unlink(path.c_str()) != 0) {
      failure->context += " (left behind: unlink " + posix::errno_name(errno) + ")";
    }
    return *failure;
  }
  return Done{};
}

Result<FillOutcome> LinuxPlatform::fill_file(const std::string& path, std::uint64_t max_bytes) {
  const int fd =
      ::open(path.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600);
  if (fd < 0) return last_error("open O_CREAT|O_EXCL", path);
  static const std::string kZeros(64 * 1024, '\0');
  FillOutcome outcome;
  while (outcome.written < max_bytes) {
    const auto chunk = static_cast<std::size_t>(
        std::min<std::uint64_t>(kZeros.size(), max_bytes - outcome.written));
    const ssize_t n = ::write(fd, kZeros.data(), chunk);
    if (n < 0) {
      if (errno == EINTR) continue;
      outcome.stopped_by = last_error("write", path);
      break;
    }
    if (n == 0) break;
    outcome.written += static_cast<std::uint64_t>(n);
  }
  // A quota or a network filesystem may refuse only at close.
  if (::close(fd) != 0 && !outcome.stopped_by) outcome.stopped_by = last_error("close", path);
  return outcome;
}

Result<Done> LinuxPlatform::make_dir(const std::string& path) {
  if (::mkdir(path.c_str(), 0700) != 0) return last_error("mkdir", path);
  return Done{};
}

Result<Done> LinuxPlatform::make_symlink(const std::string& target, const std::string& link_path) {
  if (::symlink(target.c_str(), link_path.c_str()) != 0) return last_error("symlink", link_path);
  return Done{};
}

Result<std::string> LinuxPlatform::read_through(const std::string& path,
                                                std::size_t max_bytes) const {
  return posix::read_all(path, max_bytes);
}

Result<std::vector<std::string>> LinuxPlatform::list_through(const std::string& dir) const {
  return posix::list_names(dir);
}

Result<std::string> LinuxPlatform::link_target(const std::string& path) const {
  return posix::read_link_text(path);
}

Result<FileInfo> LinuxPlatform::info_through(const std::string& path) const {
  return posix::file_info(path, /*follow_links=*/true);
}

Result<FileInfo> LinuxPlatform::link_info(const std::string& path) const {
  return posix::file_info(path, false);
}

Result<Done> LinuxPlatform::remove(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return last_error("lstat", path);
  if (S_ISDIR(st.st_mode)) {
    if (::rmdir(path.c_str()) != 0) return last_error("rmdir", path);
  } else if (::unlink(path.c_str()) != 0) {
    return last_error("unlink", path);
  }
  return Done{};
}

Result<Done> LinuxPlatform::remove_tree(const std::string& path) {
  return posix::remove_tree_in_place(path);
}

std::string LinuxPlatform::temp_dir() const {
  const char* tmpdir = std::getenv("TMPDIR");
  if (tmpdir == nullptr || *tmpdir == '\0') return "/tmp";
  std::string dir = tmpdir;
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  return dir;
}

}  // namespace capprobe::platform
