// Connecting to a unix socket to learn whether an endpoint is live, then closing: never a byte
// is sent, because the endpoints are other people's services (containerd, kubelet, docker).
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstring>

#include "platform/linux/errno_names.hpp"
#include "platform/linux/linux_platform.hpp"
#include "platform/linux/unique_fd.hpp"

namespace capprobe::platform {

using posix::last_error;
using posix::os_error;

namespace {

int millis_left(std::chrono::steady_clock::time_point deadline) {
  // Rounded up: a deadline 0.4 ms away is not yet reached.
  const auto left =
      std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  return static_cast<int>(std::clamp<std::int64_t>(left.count(), 0, 60'000));
}

// A non-blocking connect that is in progress: wait for writability, then read the outcome.
Result<Done> finish_connect(int fd, const std::string& path,
                            std::chrono::steady_clock::time_point deadline) {
  for (;;) {
    pollfd waiting{fd, POLLOUT, 0};
    const int ready = ::poll(&waiting, 1, millis_left(deadline));
    if (ready < 0) {
      if (errno == EINTR) continue;
      return last_error("poll", path);
    }
    if (ready == 0) return os_error(ETIMEDOUT, "connect " + path);
    int socket_error = 0;
    socklen_t length = sizeof socket_error;
    if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &socket_error, &length) != 0) {
      return last_error("getsockopt SO_ERROR", path);
    }
    if (socket_error != 0) return os_error(socket_error, "connect " + path);
    return Done{};
  }
}

}  // namespace

Result<Done> LinuxPlatform::connect_unix(const std::string& path,
                                         std::chrono::milliseconds timeout) {
  sockaddr_un address{};
  // An empty name would mean Linux's abstract namespace, and an embedded NUL would cut the path:
  // neither is a file path.
  if (path.empty()) return os_error(ENOENT, "connect (empty path)");
  if (path.find('\0') != std::string::npos) return os_error(EINVAL, "connect " + path);
  if (path.size() >= sizeof address.sun_path) return os_error(ENAMETOOLONG, "connect " + path);
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path, path.data(), path.size());
  const auto length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size() + 1);

  posix::UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return last_error("socket AF_UNIX", path);
  const auto deadline =
      std::chrono::steady_clock::now() + std::max(timeout, std::chrono::milliseconds{0});
  for (;;) {
    if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&address), length) == 0) {
      return Done{};
    }
    const int code = errno;
    if (code == EINTR) continue;
    if (code == EINPROGRESS) return finish_connect(fd.get(), path, deadline);
    if (code != EAGAIN) return os_error(code, "connect " + path);
    // EAGAIN on a unix socket means the listener's backlog is full. Nothing is pending on our
    // side (polling would report writable at once), so retry the connect until the deadline.
    const int left = millis_left(deadline);
    if (left <= 0) return os_error(ETIMEDOUT, "connect " + path + " (listener backlog full)");
    ::poll(nullptr, 0, std::min(left, 10));  // a short sleep; EINTR only shortens it
  }
}

}  // namespace capprobe::platform
