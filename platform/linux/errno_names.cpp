// Symbolic errno names from the C library (strerrorname_np, glibc 2.32+), with a numeric
// fallback so that an unknown value still reads as an errno and never as an empty string.
#include "platform/linux/errno_names.hpp"

#include <cerrno>
#include <cstring>
#include <utility>

namespace capprobe::platform::posix {

std::string errno_name(int code) {
  if (const char* name = ::strerrorname_np(code); name != nullptr) return name;
  // Appending rather than "E" + to_string(): GCC 12 warns falsely (-Wrestrict) on the latter.
  std::string name = "E";
  name += std::to_string(code);
  return name;
}

ErrorKind errno_kind(int code) {
  switch (code) {
    case ENOENT:
    case ENOTDIR:
      return ErrorKind::absent;
    case EACCES:
    case EPERM:
      return ErrorKind::denied;
    case ENOSYS:
    case EOPNOTSUPP:
    case EAFNOSUPPORT:
    case EPROTONOSUPPORT:
      return ErrorKind::unsupported;
    case ETIMEDOUT:
      return ErrorKind::timed_out;
    default:
      return ErrorKind::other;
  }
}

OsError os_error(int code, std::string context) {
  return OsError{code, errno_name(code), std::move(context), errno_kind(code)};
}

OsError last_error(std::string_view action, std::string_view subject) {
  const int code = errno;
  std::string context(action);
  if (!subject.empty()) {
    context += ' ';
    context += subject;
  }
  return os_error(code, std::move(context));
}

}  // namespace capprobe::platform::posix
