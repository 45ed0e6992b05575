// Reading files, directories, links and inode facts with plain syscalls; every failure comes back
// as an OsError naming the call and the path.
#include "platform/linux/file_ops.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>

#include "platform/linux/errno_names.hpp"
#include "platform/linux/unique_fd.hpp"

namespace capprobe::platform::posix {
namespace {

FileKind kind_of(mode_t mode) {
  switch (mode & S_IFMT) {
    case S_IFREG:
      return FileKind::regular;
    case S_IFDIR:
      return FileKind::directory;
    case S_IFLNK:
      return FileKind::symlink;
    case S_IFSOCK:
      return FileKind::socket;
    case S_IFIFO:
      return FileKind::fifo;
    case S_IFCHR:
      return FileKind::char_device;
    case S_IFBLK:
      return FileKind::block_device;
    default:
      return FileKind::other;
  }
}

}  // namespace

std::string join_path(const std::string& parent, const std::string& name) {
  if (parent.empty()) return name;
  if (parent.back() == '/') return parent + name;
  return parent + "/" + name;
}

Result<std::string> read_all(const std::string& path, std::size_t max_bytes) {
  // O_NONBLOCK: a FIFO or a device under a probed path must not hang the probe in open() or
  // read(); regular, proc and sysfs files ignore the flag.
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY));
  if (!fd.valid()) return last_error("open", path);
  std::string content;
  std::array<char, 16384> chunk{};
  while (content.size() < max_bytes) {
    const std::size_t want = std::min(chunk.size(), max_bytes - content.size());
    const ssize_t got = ::read(fd.get(), chunk.data(), want);
    if (got < 0) {
      if (errno == EINTR) continue;
      return last_error("read", path);
    }
    if (got == 0) break;
    content.append(chunk.data(), static_cast<std::size_t>(got));
  }
  return content;
}

Result<std::vector<std::string>> list_names(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) return last_error("open", path);
  DIR* dir = ::fdopendir(fd.get());
  if (dir == nullptr) return last_error("fdopendir", path);
  fd.release();  // the DIR owns it now
  std::vector<std::string> names;
  for (;;) {
    errno = 0;  // readdir signals both the end and an error with nullptr
    const dirent* entry = ::readdir(dir);
    if (entry == nullptr) {
      if (errno != 0) {
        auto error = last_error("readdir", path);
        ::closedir(dir);
        return error;
      }
      break;
    }
    const std::string_view name = entry->d_name;
    if (name == "." || name == "..") continue;
    names.emplace_back(name);
  }
  ::closedir(dir);
  std::sort(names.begin(), names.end());
  return names;
}

Result<std::string> read_link_text(const std::string& path) {
  std::string buffer(256, '\0');
  for (;;) {
    const ssize_t got = ::readlink(path.c_str(), buffer.data(), buffer.size());
    if (got < 0) return last_error("readlink", path);
    if (static_cast<std::size_t>(got) < buffer.size()) {
      buffer.resize(static_cast<std::size_t>(got));
      return buffer;
    }
    // Filled the buffer: the text may have been cut. Links are limited to PATH_MAX on most
    // filesystems, but proc's can be longer, so grow within a sane bound.
    if (buffer.size() >= (1u << 20)) return os_error(ENAMETOOLONG, "readlink " + path);
    buffer.resize(buffer.size() * 2);
  }
}

Result<FileInfo> file_info(const std::string& path, bool follow_links) {
  struct stat st {};
  const int rc = follow_links ? ::stat(path.c_str(), &st) : ::lstat(path.c_str(), &st);
  if (rc != 0) return last_error(follow_links ? "stat" : "lstat", path);
  FileInfo info;
  info.kind = kind_of(st.st_mode);
  info.mode = static_cast<std::uint32_t>(st.st_mode & 07777);
  info.device = static_cast<std::uint64_t>(st.st_dev);
  info.inode = static_cast<std::uint64_t>(st.st_ino);
  info.uid = st.st_uid;
  info.gid = st.st_gid;
  info.size = static_cast<std::uint64_t>(st.st_size);
  info.modified_unix = static_cast<std::int64_t>(st.st_mtime);
  return info;
}

}  // namespace capprobe::platform::posix
