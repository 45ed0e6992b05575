// Symbolic names for the Win32 error codes the platform calls meet. The names are spelled by the
// SDK's own macros (stringified), so a name can never disagree with its number.
#include "platform/windows/win32_errors.hpp"

// winsock2.h: the WSA error codes that connect_unix meets, which windows.h leaves out under
// WIN32_LEAN_AND_MEAN.
#include <windows.h>
#include <winsock2.h>

#include <algorithm>
#include <array>
#include <utility>

namespace capprobe::platform::win32 {
namespace {

struct NamedError {
  DWORD code;
  const char* name;
};

#define CAPPROBE_NAMED(code) \
  NamedError {               \
    code, #code              \
  }

// Files, links, pipes, privileges, the loader, accounts, commit and sockets: what probing a
// node's filesystem, IPC endpoints, version, token, job and memory can run into.
constexpr std::array kNamedErrors = {
    CAPPROBE_NAMED(ERROR_SUCCESS),
    CAPPROBE_NAMED(ERROR_INVALID_FUNCTION),
    CAPPROBE_NAMED(ERROR_FILE_NOT_FOUND),
    CAPPROBE_NAMED(ERROR_PATH_NOT_FOUND),
    CAPPROBE_NAMED(ERROR_TOO_MANY_OPEN_FILES),
    CAPPROBE_NAMED(ERROR_ACCESS_DENIED),
    CAPPROBE_NAMED(ERROR_INVALID_HANDLE),
    CAPPROBE_NAMED(ERROR_INVALID_DATA),
    CAPPROBE_NAMED(ERROR_NOT_ENOUGH_MEMORY),
    CAPPROBE_NAMED(ERROR_INVALID_ACCESS),
    CAPPROBE_NAMED(ERROR_OUTOFMEMORY),
    CAPPROBE_NAMED(ERROR_INVALID_DRIVE),
    CAPPROBE_NAMED(ERROR_CURRENT_DIRECTORY),
    CAPPROBE_NAMED(ERROR_NOT_SAME_DEVICE),
    CAPPROBE_NAMED(ERROR_NO_MORE_FILES),
    CAPPROBE_NAMED(ERROR_WRITE_PROTECT),
    CAPPROBE_NAMED(ERROR_NOT_READY),
    CAPPROBE_NAMED(ERROR_SHARING_VIOLATION),
    CAPPROBE_NAMED(ERROR_LOCK_VIOLATION),
    CAPPROBE_NAMED(ERROR_HANDLE_EOF),
    CAPPROBE_NAMED(ERROR_HANDLE_DISK_FULL),
    CAPPROBE_NAMED(ERROR_NOT_SUPPORTED),
    CAPPROBE_NAMED(ERROR_BAD_NETPATH),
    CAPPROBE_NAMED(ERROR_NETWORK_ACCESS_DENIED),
    CAPPROBE_NAMED(ERROR_BAD_DEV_TYPE),
    CAPPROBE_NAMED(ERROR_BAD_NET_NAME),
    CAPPROBE_NAMED(ERROR_FILE_EXISTS),
    CAPPROBE_NAMED(ERROR_CANNOT_MAKE),
    CAPPROBE_NAMED(ERROR_INVALID_PARAMETER),
    CAPPROBE_NAMED(ERROR_BROKEN_PIPE),
    CAPPROBE_NAMED(ERROR_DISK_FULL),
    CAPPROBE_NAMED(ERROR_CALL_NOT_IMPLEMENTED),
    CAPPROBE_NAMED(ERROR_BUFFER_OVERFLOW),
    CAPPROBE_NAMED(ERROR_SEM_TIMEOUT),
    CAPPROBE_NAMED(ERROR_INSUFFICIENT_BUFFER),
    CAPPROBE_NAMED(ERROR_INVALID_NAME),
    CAPPROBE_NAMED(ERROR_MOD_NOT_FOUND),
    CAPPROBE_NAMED(ERROR_PROC_NOT_FOUND),
    CAPPROBE_NAMED(ERROR_DIR_NOT_EMPTY),
    CAPPROBE_NAMED(ERROR_BAD_PATHNAME),
    CAPPROBE_NAMED(ERROR_BUSY),
    CAPPROBE_NAMED(ERROR_ALREADY_EXISTS),
    CAPPROBE_NAMED(ERROR_FILENAME_EXCED_RANGE),
    CAPPROBE_NAMED(ERROR_BAD_FILE_TYPE),
    CAPPROBE_NAMED(ERROR_BAD_PIPE),
    CAPPROBE_NAMED(ERROR_PIPE_BUSY),
    CAPPROBE_NAMED(ERROR_NO_DATA),
    CAPPROBE_NAMED(ERROR_PIPE_NOT_CONNECTED),
    CAPPROBE_NAMED(ERROR_MORE_DATA),
    CAPPROBE_NAMED(WAIT_TIMEOUT),
    CAPPROBE_NAMED(ERROR_DIRECTORY),
    CAPPROBE_NAMED(ERROR_PARTIAL_COPY),
    NamedError{681, "ERROR_STOPPED_ON_SYMLINK"},  // not in mingw-w64's winerror.h
    NamedError{740, "ERROR_ELEVATION_REQUIRED"},  // not in mingw-w64's winerror.h
    CAPPROBE_NAMED(ERROR_NOACCESS),
    CAPPROBE_NAMED(ERROR_INVALID_FLAGS),
    CAPPROBE_NAMED(ERROR_NO_UNICODE_TRANSLATION),
    CAPPROBE_NAMED(ERROR_NOT_FOUND),
    CAPPROBE_NAMED(ERROR_CONNECTION_REFUSED),
    CAPPROBE_NAMED(ERROR_NOT_ALL_ASSIGNED),
    CAPPROBE_NAMED(ERROR_NO_SUCH_PRIVILEGE),
    CAPPROBE_NAMED(ERROR_PRIVILEGE_NOT_HELD),
    CAPPROBE_NAMED(ERROR_NONE_MAPPED),
    CAPPROBE_NAMED(ERROR_INVALID_SID),
    CAPPROBE_NAMED(ERROR_COMMITMENT_LIMIT),
    CAPPROBE_NAMED(ERROR_UNSUPPORTED_TYPE),
    CAPPROBE_NAMED(ERROR_TIMEOUT),
    CAPPROBE_NAMED(ERROR_SYMLINK_NOT_SUPPORTED),
    CAPPROBE_NAMED(ERROR_CANT_ACCESS_FILE),
    CAPPROBE_NAMED(ERROR_CANT_RESOLVE_FILENAME),
    CAPPROBE_NAMED(ERROR_NOT_A_REPARSE_POINT),
    CAPPROBE_NAMED(ERROR_INVALID_REPARSE_DATA),
    CAPPROBE_NAMED(ERROR_REPARSE_TAG_INVALID),
    CAPPROBE_NAMED(ERROR_REPARSE_TAG_MISMATCH),
    CAPPROBE_NAMED(ERROR_TRUSTED_RELATIONSHIP_FAILURE),
    // Winsock's own codes (WSAGetLastError), as connect_unix meets them.
    CAPPROBE_NAMED(WSAEINTR),
    CAPPROBE_NAMED(WSAEACCES),
    CAPPROBE_NAMED(WSAEFAULT),
    CAPPROBE_NAMED(WSAEINVAL),
    CAPPROBE_NAMED(WSAEMFILE),
    CAPPROBE_NAMED(WSAEWOULDBLOCK),
    CAPPROBE_NAMED(WSAEINPROGRESS),
    CAPPROBE_NAMED(WSAENOTSOCK),
    CAPPROBE_NAMED(WSAEPROTOTYPE),
    CAPPROBE_NAMED(WSAEPROTONOSUPPORT),
    CAPPROBE_NAMED(WSAESOCKTNOSUPPORT),
    CAPPROBE_NAMED(WSAEOPNOTSUPP),
    CAPPROBE_NAMED(WSAEAFNOSUPPORT),
    CAPPROBE_NAMED(WSAEADDRNOTAVAIL),
    CAPPROBE_NAMED(WSAENETDOWN),
    CAPPROBE_NAMED(WSAENETUNREACH),
    CAPPROBE_NAMED(WSAENOBUFS),
    CAPPROBE_NAMED(WSAETIMEDOUT),
    CAPPROBE_NAMED(WSAECONNREFUSED),
    CAPPROBE_NAMED(WSAEHOSTUNREACH),
    CAPPROBE_NAMED(WSASYSNOTREADY),
    CAPPROBE_NAMED(WSAVERNOTSUPPORTED),
    CAPPROBE_NAMED(WSANOTINITIALISED),
};

#undef CAPPROBE_NAMED

}  // namespace

std::string error_name(std::uint32_t code) {
  const auto found = std::find_if(kNamedErrors.begin(), kNamedErrors.end(),
                                  [code](const NamedError& named) { return named.code == code; });
  if (found != kNamedErrors.end()) return found->name;
  std::string name = "ERROR_";
  name += std::to_string(code);
  return name;
}

ErrorKind error_kind(std::uint32_t code) {
  switch (code) {
    case ERROR_FILE_NOT_FOUND:
    case ERROR_PATH_NOT_FOUND:
    case ERROR_INVALID_NAME:
    case ERROR_BAD_NETPATH:
    case ERROR_NOT_FOUND:
    case ERROR_NONE_MAPPED:  // a SID that names no account
      return ErrorKind::absent;
    case ERROR_ACCESS_DENIED:
    case ERROR_PRIVILEGE_NOT_HELD:
    case ERROR_SHARING_VIOLATION:
    case WSAEACCES:
      return ErrorKind::denied;
    case ERROR_NOT_SUPPORTED:
    case ERROR_CALL_NOT_IMPLEMENTED:
    case ERROR_INVALID_FUNCTION:
    case ERROR_PROC_NOT_FOUND:
    case WSAEAFNOSUPPORT:
    case WSAEPROTONOSUPPORT:
    case WSAESOCKTNOSUPPORT:
    case WSAEOPNOTSUPP:
      return ErrorKind::unsupported;
    case ERROR_TIMEOUT:
    case ERROR_SEM_TIMEOUT:
    case WAIT_TIMEOUT:
    case WSAETIMEDOUT:
      return ErrorKind::timed_out;
    default:
      return ErrorKind::other;
  }
}

OsError os_error(std::uint32_t code, std::string context) {
  return OsError{static_cast<int>(code), error_name(code), std::move(context), error_kind(code)};
}

OsError last_error(std::string_view action, std::string_view subject) {
  const DWORD code = ::GetLastError();
  std::string context(action);
  if (!subject.empty()) {
    context += ' ';
    context += subject;
  }
  return os_error(code, std::move(context));
}

OsError not_implemented(std::string_view call, std::string_view subject) {
  std::string context(call);
  if (!subject.empty()) {
    context += ' ';
    context += subject;
  }
  context += ": not implemented on Windows yet";
  return os_error(ERROR_CALL_NOT_IMPLEMENTED, std::move(context));
}

}  // namespace capprobe::platform::win32
