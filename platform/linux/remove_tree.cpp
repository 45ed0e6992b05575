// Removing a scratch tree safely. Everything is done relative to directory descriptors
// (openat/unlinkat) with fstatat(AT_SYMLINK_NOFOLLOW), so a symlink inside the tree is removed as
// a link and whatever it points to is never touched, and no directory on another filesystem (a
// mount point, possibly a host volume) is entered. Safety over completeness: what may not be
// removed stays, and the first such failure is the answer.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <optional>

#include "platform/linux/errno_names.hpp"
#include "platform/linux/file_ops.hpp"
#include "platform/linux/unique_fd.hpp"

namespace capprobe::platform::posix {
namespace {

// Each level holds a descriptor and a stack frame; scratch trees are a few levels deep, so a
// deeper tree is something we did not make.
constexpr int kMaxDepth = 128;

bool same_inode(const struct stat& a, const struct stat& b) {
  return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

// All names first, then the removals: changing a directory while reading it may skip entries.
Result<std::vector<std::string>> names_in(int dir_fd, const std::string& path) {
  UniqueFd own(::fcntl(dir_fd, F_DUPFD_CLOEXEC, 0));  // fdopendir takes ownership of its fd
  if (!own.valid()) return last_error("dup", path);
  DIR* dir = ::fdopendir(own.get());
  if (dir == nullptr) return last_error("fdopendir", path);
  own.release();
  std::vector<std::string> names;
  for (;;) {
    errno = 0;
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
    if (name != "." && name != "..") names.emplace_back(name);
  }
  ::closedir(dir);
  return names;
}

class TreeRemover {
 public:
  explicit TreeRemover(dev_t device) : device_(device) {}

  // Empties the directory open as `dir_fd`; `path` names it in messages only.
  void empty(int dir_fd, const std::string& path, int depth) {
    if (depth > kMaxDepth) {
      note(os_error(ELOOP, "remove_tree " + path + ": deeper than " + std::to_string(kMaxDepth) +
                               " levels, not entered"));
      return;
    }
    auto names = names_in(dir_fd, path);
    if (!names) {
      note(names.error());
      return;
    }
    for (const auto& name : names.value()) remove_entry(dir_fd, path, name, depth);
  }

  const std::optional<OsError>& first_error() const { return first_error_; }

 private:
  void remove_entry(int dir_fd, const std::string& path, const std::string& name, int depth) {
    const std::string child = join_path(path, name);
    struct stat seen {};
    if (::fstatat(dir_fd, name.c_str(), &seen, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno != ENOENT) note(last_error("fstatat", child));  // gone already is fine
      return;
    }
    if (!S_ISDIR(seen.st_mode)) {  // files, sockets and symlinks: the entry itself goes
      if (::unlinkat(dir_fd, name.c_str(), 0) != 0 && errno != ENOENT) {
        note(last_error("unlinkat", child));
      }
      return;
    }
    if (seen.st_dev != device_) {
      note(os_error(EXDEV, "remove_tree " + child + ": another filesystem, not entered"));
      return;
    }
    UniqueFd sub(::openat(dir_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!sub.valid()) {
      note(last_error("openat", child));
      return;
    }
    // The entry may have been swapped for something else between fstatat and openat.
    struct stat opened {};
    if (::fstat(sub.get(), &opened) != 0) {
      note(last_error("fstat", child));
      return;
    }
    if (!same_inode(seen, opened)) {
      note(os_error(EAGAIN, "remove_tree " + child + ": changed while being removed"));
      return;
    }
    empty(sub.get(), child, depth + 1);
    sub.reset();
    if (::unlinkat(dir_fd, name.c_str(), AT_REMOVEDIR) != 0 && errno != ENOENT) {
      note(last_error("unlinkat AT_REMOVEDIR", child));
    }
  }

  void note(OsError error) {
    if (!first_error_) first_error_ = std::move(error);
  }

  dev_t device_;
  std::optional<OsError> first_error_;
};

}  // namespace

Result<Done> remove_tree_in_place(const std::string& given) {
  // A trailing slash makes the kernel follow a link in the last component ("link/" is the
  // directory it points to), so it goes; and "/" is never anyone's scratch tree.
  std::string path = given;
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  if (path.empty() || path == "/") return os_error(EINVAL, "remove_tree refuses '" + given + "'");
  struct stat top {};
  if (::lstat(path.c_str(), &top) != 0) return last_error("lstat", path);
  if (!S_ISDIR(top.st_mode)) {  // a file or a link at the top: remove that entry only
    if (::unlink(path.c_str()) != 0) return last_error("unlink", path);
    return Done{};
  }
  UniqueFd dir(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!dir.valid()) return last_error("open", path);
  struct stat opened {};
  if (::fstat(dir.get(), &opened) != 0) return last_error("fstat", path);
  if (!same_inode(top, opened)) {
    return os_error(EAGAIN, "remove_tree " + path + ": changed while being removed");
  }
  TreeRemover remover(top.st_dev);
  remover.empty(dir.get(), path, 0);
  dir.reset();
  if (remover.first_error()) return *remover.first_error();
  if (::rmdir(path.c_str()) != 0) return last_error("rmdir", path);
  return Done{};
}

}  // namespace capprobe::platform::posix
