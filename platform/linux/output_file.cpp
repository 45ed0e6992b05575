// POSIX implementation of output_file.hpp: lstat decides, then temp + rename for regular files,
// a plain write for FIFOs, terminals and the bit buckets, and a refusal for everything else.
#include "platform/output_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>

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
// does not block, so a FIFO nobody reads is refused at once instead of hanging the run.
std::string write_through(const std::string& path, std::string_view content) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_NOCTTY | O_CLOEXEC | O_NONBLOCK));
  if (!fd.valid()) {
    if (errno == ENXIO) return path + " is a FIFO with no reader";
    return failure("opening " + path, errno);
  }
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

// A regular file, or a name that does not exist yet: a temp file beside it, then a rename.
// `keep_mode` is the replaced file's permission bits, when there is one.
std::string replace_regular(const std::string& target, std::string_view content,
                            const OutputOptions& options, std::optional<mode_t> keep_mode) {
  const auto dir = directory_of(target);
  const auto temp = (dir == "/" ? std::string() : dir) + "/" + options.temp_name;
  const mode_t create_mode = options.mode != 0 ? static_cast<mode_t>(options.mode) : 0666;
  // O_EXCL: a stale or planted file of that name is never written through.
  UniqueFd fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, create_mode));
  if (!fd.valid()) return failure("creating " + temp, errno);
  const auto fail = [&](const std::string& problem) {
    ::unlink(temp.c_str());
    return problem;
  };
  std::optional<mode_t> exact_mode;
  if (options.force_mode)
    exact_mode = static_cast<mode_t>(options.mode);
  else if (keep_mode)
    exact_mode = *keep_mode;  // replacing a 0600 report must not make it world-readable
  if (exact_mode && ::fchmod(fd.get(), *exact_mode) != 0)
    return fail(failure("setting the mode of " + temp, errno));
  if (auto problem = write_all(fd.get(), content, temp); !problem.empty()) return fail(problem);
  if (options.durable && ::fsync(fd.get()) != 0) return fail(failure("syncing " + temp, errno));
  if (::close(fd.release()) != 0) return fail(failure("closing " + temp, errno));
  if (::rename(temp.c_str(), target.c_str()) != 0)
    return fail(failure("renaming " + temp + " to " + target, errno));
  if (options.durable) {
    // The rename is durable only once the directory entry is on disk.
    UniqueFd directory(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!directory.valid() || ::fsync(directory.get()) != 0)
      return failure("syncing directory " + dir, errno);
  }
  return "";
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
    if (!via_link) return replace_regular(path, content, options, info.st_mode & 07777);
    // Replace the file the link points at, so the link stays a link.
    const auto target = resolved(path);
    if (!target) return failure("resolving the link " + path, errno);
    return replace_regular(*target, content, options, info.st_mode & 07777);
  }
  if (S_ISFIFO(info.st_mode)) return write_through(path, content);
  if (S_ISCHR(info.st_mode) && is_report_char_device(info.st_rdev))
    return write_through(path, content);
  const char* kind = S_ISDIR(info.st_mode)    ? "a directory"
                     : S_ISCHR(info.st_mode)  ? "a character device other than a terminal or "
                                                "/dev/null, /dev/zero, /dev/full"
                     : S_ISBLK(info.st_mode)  ? "a block device"
                     : S_ISSOCK(info.st_mode) ? "a socket"
                                              : "not a regular file";
  return path + (via_link ? " leads to " : " is ") + kind + "; refusing to write a report into it";
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
  struct stat target {};
  if (::stat(path.c_str(), &target) != 0) {
    if (errno == ENOENT) return path + " is a symlink to a missing file; refusing to follow it";
    return failure(path, errno);
  }
  return write_existing(path, target, true, content, options);
}

}  // namespace capprobe::platform
