// The two network exercises: one UDP exchange (net.dns's single query to the cluster's DNS) and
// the hostPort trial (net.host_port: our own listener, one connect to it through the node).
// Both are bounded by their timeout and close every socket they open; the trial never sends a
// byte, so that a connect that lands on someone else's service tells it nothing.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "platform/linux/errno_names.hpp"
#include "platform/linux/linux_platform.hpp"
#include "platform/linux/unique_fd.hpp"

namespace capprobe::platform {

using posix::last_error;
using posix::os_error;

namespace {

using Clock = std::chrono::steady_clock;

int millis_left(Clock::time_point deadline) {
  const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
  return static_cast<int>(std::clamp<std::int64_t>(left.count(), 0, 60'000));
}

// An IPv4 or IPv6 literal (an IPv6 one may carry no zone) and a port, as a socket address.
bool socket_address(const std::string& address, int port, sockaddr_storage& out,
                    socklen_t& length) {
  std::memset(&out, 0, sizeof out);
  auto* v4 = reinterpret_cast<sockaddr_in*>(&out);
  if (::inet_pton(AF_INET, address.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<std::uint16_t>(port));
    length = sizeof *v4;
    return true;
  }
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&out);
  if (::inet_pton(AF_INET6, address.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<std::uint16_t>(port));
    length = sizeof *v6;
    return true;
  }
  return false;
}

}  // namespace

Result<std::string> LinuxPlatform::udp_exchange(const std::string& address, int port,
                                                const std::string& payload,
                                                std::chrono::milliseconds timeout) {
  const auto where = address + " port " + std::to_string(port);
  sockaddr_storage server{};
  socklen_t length = 0;
  if (!socket_address(address, port, server, length))
    return os_error(EINVAL, "udp " + where + " (not an IP address)");
  const auto deadline = Clock::now() + std::max(timeout, std::chrono::milliseconds{0});
  posix::UniqueFd fd(::socket(server.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return last_error("socket udp", where);
  // connect(): the kernel then drops datagrams from any other sender.
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&server), length) != 0)
    return last_error("connect udp", where);
  if (::send(fd.get(), payload.data(), payload.size(), 0) < 0) return last_error("send", where);
  std::string answer(4096, '\0');
  for (;;) {
    pollfd waiting{fd.get(), POLLIN, 0};
    const int ready = ::poll(&waiting, 1, millis_left(deadline));
    if (ready < 0) {
      if (errno == EINTR) continue;
      return last_error("poll", where);
    }
    if (ready == 0) return os_error(ETIMEDOUT, "udp " + where);
    const ssize_t n = ::recv(fd.get(), answer.data(), answer.size(), 0);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return last_error("recv", where);  // ECONNREFUSED: nothing listens there
    }
    answer.resize(static_cast<std::size_t>(n));
    return answer;
  }
}

Result<PortTrialOutcome> LinuxPlatform::port_trial(int listen_port, const std::string& address,
                                                   int port, std::chrono::milliseconds timeout) {
  const auto where = address + " port " + std::to_string(port);
  sockaddr_storage target{};
  socklen_t target_length = 0;
  if (!socket_address(address, port, target, target_length))
    return os_error(EINVAL, "connect " + where + " (not an IP address)");
  auto deadline = Clock::now() + std::max(timeout, std::chrono::milliseconds{0});

  // The listener: every address of the family that reaches the target (IPv6 also takes IPv4).
  const int family = target.ss_family;
  posix::UniqueFd listener(::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!listener.valid()) return last_error("socket", "listener");
  const int yes = 1;
  ::setsockopt(listener.get(), SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  sockaddr_storage any{};
  socklen_t any_length = 0;
  socket_address(family == AF_INET ? "0.0.0.0" : "::", listen_port, any, any_length);
  const auto listen_where = "port " + std::to_string(listen_port);
  if (::bind(listener.get(), reinterpret_cast<const sockaddr*>(&any), any_length) != 0)
    return last_error("bind", listen_where);
  if (::listen(listener.get(), 4) != 0) return last_error("listen", listen_where);

  PortTrialOutcome outcome;
  posix::UniqueFd client(::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!client.valid()) return last_error("socket", where);
  bool connected = false;
  // Once connected, our listener has this long to see the connection: a forwarded one arrives
  // at once, and a connect that landed elsewhere must not cost the whole timeout.
  constexpr auto kAcceptGrace = std::chrono::milliseconds(500);
  if (::connect(client.get(), reinterpret_cast<const sockaddr*>(&target), target_length) == 0) {
    connected = true;
    deadline = std::min(deadline, Clock::now() + kAcceptGrace);
  } else if (errno != EINPROGRESS) {
    outcome.connect_error = last_error("connect", where);
    return outcome;
  }
  // Wait for the connect to finish and for our listener to take it, whichever comes first.
  for (;;) {
    pollfd waiting[2] = {{listener.get(), POLLIN, 0}, {client.get(), POLLOUT, 0}};
    const int ready = ::poll(waiting, connected ? 1 : 2, millis_left(deadline));
    if (ready < 0) {
      if (errno == EINTR) continue;
      return last_error("poll", where);
    }
    if (ready == 0) {
      if (!connected) outcome.connect_error = os_error(ETIMEDOUT, "connect " + where);
      return outcome;
    }
    if (waiting[0].revents & POLLIN) {
      posix::UniqueFd accepted(::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
      if (accepted.valid()) {
        outcome.accepted = true;
        return outcome;
      }
    }
    if (!connected && (waiting[1].revents & (POLLOUT | POLLERR | POLLHUP))) {
      int socket_error = 0;
      socklen_t length = sizeof socket_error;
      ::getsockopt(client.get(), SOL_SOCKET, SO_ERROR, &socket_error, &length);
      if (socket_error != 0) {
        outcome.connect_error = os_error(socket_error, "connect " + where);
        return outcome;
      }
      connected = true;
      deadline = std::min(deadline, Clock::now() + kAcceptGrace);
    }
  }
}

}  // namespace capprobe::platform
