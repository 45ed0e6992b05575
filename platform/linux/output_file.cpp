// POSIX implementation of output_file.hpp: lstat decides, then temp + rename for regular files
// (relative to a descriptor of the directory, so the directory cannot be swapped in between), a
// plain write for FIFOs, terminals and the bit buckets (checked again on the open descriptor),
// and a refusal for everything else.
#include "platform/output_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "platform/linux/unique_fd.hpp"

namespace capprobe::platform {
namespace {

using posix::UniqueFd;

std::string failure(const std::string& what, int error) {
  return what + ": " + std::strerror(error);
}

// The character devices a report may go to: /dev/null, /dev/zero, /dev/full, and terminals
// (virtual consoles and serial lines, /dev/tty, /dev/console, pseudo-terminals). Writing into
// any other device (/dev/mem, /dev/kmsg, a watchdog) could do harm, so those are refused.
bool is_report_char_device(dev_t device) {
  const auto major_number = major(device);
  const auto minor_number = minor(device);
  if (major_number == 1) return minor_number == 3 || minor_number == 5 || minor_number == 7;
  if (major_number == 4) return true;
  if (major_number == 5) return minor_number <= 1;
  return major_number >= 136 && major_number <= 143;
}

bool may_write_through(const struct stat& info) {
  return S_ISFIFO(info.st_mode) || (S_ISCHR(info.st_mode) && is_report_char_device(info.st_rdev));
}

std::string kind_text(const struct stat& info) {
  if (S_ISDIR(info.st_mode)) return "a directory";
  if (S_ISCHR(info.st_mode))
    return "a character device other than a terminal or /dev/null, /dev/zero, /dev/full";
  if (S_ISBLK(info.st_mode)) return "a block device";
  if (S_ISSOCK(info.st_mode)) return "a socket";
  return "not a regular file";
}

std::string write_all(int fd, std::string_view content, const std::string& path) {
  std::size_t written = 0;
  while (written < content.size()) {
    const auto n = ::write(fd, content.data() + written, content.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return failure("writing " + path, errno);
    written += static_cast<std::size_t>(n);
  }
  return "";
}

// A FIFO, a terminal or a bit bucket: opened without O_CREAT or O_TRUNC and written. The open
// does not block, so a FIFO nobody reads is refused at once instead of hanging the run. What was
// opened is checked again on the descriptor: the name may lead somewhere else by now.
std::string write_through(const std::string& path, std::string_view content, bool via_link) {
  const int no_follow = via_link ? 0 : O_NOFOLLOW;
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_NOCTTY | O_CLOEXEC | O_NONBLOCK | no_follow));
  if (!fd.valid()) {
    if (errno == ENXIO) return path + " is a FIFO with no reader";
    return failure("opening " + path, errno);
  }
  struct stat opened {};
  if (::fstat(fd.get(), &opened) != 0) return failure("fstat " + path, errno);
  if (!may_write_through(opened))
    return path + " changed to " + kind_text(opened) + " while it was opened; nothing written";
  // Blocking again for the write itself: a slow reader must still get every byte.
  const int flags = ::fcntl(fd.get(), F_GETFL);
  if (flags < 0 || ::fcntl(fd.get(), F_SETFL, flags & ~O_NONBLOCK) != 0)
    return failure("setting " + path + " to blocking", errno);
  if (auto problem = write_all(fd.get(), content, path); !problem.empty()) return problem;
  if (::close(fd.release()) != 0) return failure("closing " + path, errno);
  return "";
}

std::string directory_of(const std::string& path) {
  const auto slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

std::string name_of(const std::string& path) {
  const auto slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// A regular file, or a name that does not exist yet: a temp file beside it, then a rename, both
// relative to one descriptor of the directory. `keep_mode` is the replaced file's mode.
std::string replace_regular(const std::string& target, std::string_view content,
                            const OutputOptions& options, std::optional<mode_t> keep_mode) {
  const auto dir = directory_of(target);
  const auto name = name_of(target);
  if (name.empty() || name == "." || name == "..") return target + " is not a file name";
  UniqueFd directory(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!directory.valid()) return failure("opening directory " + dir, errno);
  const auto temp = (dir == "/" ? std::string() : dir) + "/" + options.temp_name;
  // O_EXCL (which never follows a link): a stale or planted file of that name is never used.
  UniqueFd fd(::openat(directory.get(), options.temp_name.c_str(),
                       O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666));
  if (!fd.valid()) return failure("creating " + temp, errno);
  const auto fail = [&](const std::string& problem) {
    ::unlinkat(directory.get(), options.temp_name.c_str(), 0);
    return problem;
  };
  std::optional<mode_t> exact_mode;
  if (options.mode)
    exact_mode = static_cast<mode_t>(*options.mode);
  else if (keep_mode)
    exact_mode = *keep_mode & 0777;  // replacing a 0600 report must not make it world-readable
  if (exact_mode && ::fchmod(fd.get(), *exact_mode) != 0)
    return fail(failure("setting the mode of " + temp, errno));
  if (auto problem = write_all(fd.get(), content, temp); !problem.empty()) return fail(problem);
  if (options.durable && ::fsync(fd.get()) != 0) return fail(failure("syncing " + temp, errno));
  if (::close(fd.release()) != 0) return fail(failure("closing " + temp, errno));
  if (::renameat(directory.get(), options.temp_name.c_str(), directory.get(), name.c_str()) != 0)
    return fail(failure("renaming " + temp + " to " + target, errno));
  // The rename is durable only once the directory entry is on disk.
  if (options.durable && ::fsync(directory.get()) != 0)
    return failure("syncing directory " + dir, errno);
  return "";
}

// The kernel's protected_symlinks rule: a link in a sticky, world-writable directory is
// followed only when its owner is the follower or the directory's owner. Checked here whatever
// that sysctl says, because `-o` typically runs as root.
std::optional<std::string> untrusted_link(const std::string& path, const struct stat& link) {
  struct stat dir {};
  if (::stat(directory_of(path).c_str(), &dir) != 0) return failure(directory_of(path), errno);
  const bool shared_sticky = (dir.st_mode & S_ISVTX) && (dir.st_mode & S_IWOTH);
  if (!shared_sticky || link.st_uid == ::geteuid() || link.st_uid == dir.st_uid)
    return std::nullopt;
  return path + " is a symlink owned by uid " + std::to_string(link.st_uid) +
         " in a shared sticky directory; refusing to follow it";
}

// The path a chain of links ends at.
std::optional<std::string> resolved(const std::string& path) {
  std::unique_ptr<char, decltype(&std::free)> real(::realpath(path.c_str(), nullptr), &std::free);
  if (!real) return std::nullopt;
  return std::string(real.get());
}

// Decides for a target that exists; `info` is what stat (following links) says.
std::string write_existing(const std::string& path, const struct stat& info, bool via_link,
                           std::string_view content, const OutputOptions& options) {
  if (S_ISREG(info.st_mode)) {
    if (!via_link) return replace_regular(path, content, options, info.st_mode);
    // Replace the file the link points at, so that the link stays a link.
    const auto target = resolved(path);
    if (!target) return failure("resolving the link " + path, errno);
    return replace_regular(*target, content, options, info.st_mode);
  }
  if (may_write_through(info)) return write_through(path, content, via_link);
  return path + (via_link ? " leads to " : " is ") + kind_text(info) +
         "; refusing to write a report into it";
}

}  // namespace

std::string write_output_file(const std::string& path, std::string_view content,
                              const OutputOptions& options) {
  if (path.empty()) return "empty file name";
  struct stat entry {};
  if (::lstat(path.c_str(), &entry) != 0) {
    if (errno == ENOENT) return replace_regular(path, content, options, std::nullopt);
    return failure(path, errno);
  }
  if (!S_ISLNK(entry.st_mode)) return write_existing(path, entry, false, content, options);
  if (auto refused = untrusted_link(path, entry)) return *refused;
  struct stat target {};
  if (::stat(path.c_str(), &target) != 0) {
    if (errno == ENOENT) return path + " is a symlink to a missing file; refusing to follow it";
    return failure(path, errno);
  }
  return write_existing(path, target, true, content, options);
}

}  // namespace capprobe::platform
