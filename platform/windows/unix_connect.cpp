// connect_unix: a connect to an AF_UNIX socket file (Windows 10 1803 / Server 2019 on), without
// blocking past the timeout, then close: nothing is ever sent. Earlier builds, and Wine 8, have
// no AF_UNIX and answer WSAEAFNOSUPPORT (kind unsupported).
#include <winsock2.h>
// After winsock2.h, which it needs.
#include <afunix.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <string>

#include "platform/windows/win32_errors.hpp"
#include "platform/windows/windows_platform.hpp"
#include "platform/windows/winsock.hpp"

namespace capprobe::platform {

using win32::os_error;

namespace {

OsError socket_error(const std::string& action, const std::string& path) {
  const int code = ::WSAGetLastError();  // read before building any string
  return os_error(static_cast<std::uint32_t>(code), action + " " + path);
}

}  // namespace

Result<Done> WindowsPlatform::connect_unix(const std::string& path,
                                           std::chrono::milliseconds timeout) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  // The path's bytes as given, NUL-terminated: what AF_UNIX on Windows takes.
  if (path.empty() || path.size() >= sizeof address.sun_path) {
    const auto longest = std::to_string(sizeof address.sun_path - 1);
    return os_error(ERROR_FILENAME_EXCED_RANGE,
                    "connect_unix " + path + ": no path of 1 to " + longest + " bytes");
  }
  std::memcpy(address.sun_path, path.data(), path.size());

  const WinsockSession winsock;
  if (winsock.status() != 0) {
    return os_error(static_cast<std::uint32_t>(winsock.status()), "WSAStartup");
  }
  const UniqueSocket socket(::socket(AF_UNIX, SOCK_STREAM, 0));
  if (!socket.valid()) return socket_error("socket AF_UNIX", path);
  u_long non_blocking = 1;
  if (::ioctlsocket(socket.get(), FIONBIO, &non_blocking) != 0) {
    return socket_error("ioctlsocket FIONBIO", path);
  }
  if (::connect(socket.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0) {
    return Done{};
  }
  if (::WSAGetLastError() != WSAEWOULDBLOCK) return socket_error("connect", path);

  // A listener with a full backlog leaves the connect pending: wait for writable (connected) or
  // an exception (refused), at most `timeout`.
  fd_set writable;
  fd_set failed;
  FD_ZERO(&writable);
  FD_ZERO(&failed);
  FD_SET(socket.get(), &writable);
  FD_SET(socket.get(), &failed);
  const auto wait = std::max(timeout, std::chrono::milliseconds{0});
  timeval limit{};
  limit.tv_sec = static_cast<long>(wait.count() / 1000);
  limit.tv_usec = static_cast<long>((wait.count() % 1000) * 1000);
  const int ready = ::select(0, nullptr, &writable, &failed, &limit);  // first argument ignored
  if (ready == SOCKET_ERROR) return socket_error("select", path);
  if (ready == 0) {
    return os_error(WSAETIMEDOUT, "connect " + path + ": no answer within " +
                                      std::to_string(wait.count()) + " ms");
  }
  int error = 0;
  int length = sizeof error;
  const int asked =
      ::getsockopt(socket.get(), SOL_SOCKET, SO_ERROR, reinterpret_cast<char*>(&error), &length);
  if (asked != 0) return socket_error("getsockopt SO_ERROR", path);
  if (error != 0) return os_error(static_cast<std::uint32_t>(error), "connect " + path);
  return Done{};
}

}  // namespace capprobe::platform
