// The two network exercises on Winsock, as on Linux (platform/linux/net_exercise.cpp): one UDP
// exchange, and the hostPort trial that never sends a byte. Both bounded, every socket closed.
#include <winsock2.h>
// After winsock2.h, which it needs.
#include <ws2tcpip.h>

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

using Clock = std::chrono::steady_clock;

OsError socket_error(const std::string& action, const std::string& where) {
  const int code = ::WSAGetLastError();
  return os_error(static_cast<std::uint32_t>(code), action + " " + where);
}

bool socket_address(const std::string& address, int port, sockaddr_storage& out, int& length) {
  std::memset(&out, 0, sizeof out);
  auto* v4 = reinterpret_cast<sockaddr_in*>(&out);
  if (::inet_pton(AF_INET, address.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<u_short>(port));
    length = sizeof *v4;
    return true;
  }
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&out);
  if (::inet_pton(AF_INET6, address.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<u_short>(port));
    length = sizeof *v6;
    return true;
  }
  return false;
}

int millis_left(Clock::time_point deadline) {
  const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
  return static_cast<int>(std::clamp<std::int64_t>(left.count(), 0, 60'000));
}

bool set_non_blocking(SOCKET socket) {
  u_long yes = 1;
  return ::ioctlsocket(socket, FIONBIO, &yes) == 0;
}

}  // namespace

Result<std::string> WindowsPlatform::udp_exchange(const std::string& address, int port,
                                                  const std::string& payload,
                                                  std::chrono::milliseconds timeout) {
  const auto where = address + " port " + std::to_string(port);
  sockaddr_storage server{};
  int length = 0;
  if (!socket_address(address, port, server, length))
    return os_error(WSAEINVAL, "udp " + where + " (not an IP address)");
  const WinsockSession winsock;
  if (winsock.status() != 0)
    return os_error(static_cast<std::uint32_t>(winsock.status()), "WSAStartup");
  const auto deadline = Clock::now() + std::max(timeout, std::chrono::milliseconds{0});
  const UniqueSocket socket(::socket(server.ss_family, SOCK_DGRAM, IPPROTO_UDP));
  if (!socket.valid()) return socket_error("socket udp", where);
  if (!set_non_blocking(socket.get())) return socket_error("ioctlsocket FIONBIO", where);
  if (::connect(socket.get(), reinterpret_cast<const sockaddr*>(&server), length) != 0)
    return socket_error("connect udp", where);
  if (::send(socket.get(), payload.data(), static_cast<int>(payload.size()), 0) == SOCKET_ERROR)
    return socket_error("send", where);
  std::string answer(4096, '\0');
  for (;;) {
    WSAPOLLFD waiting{socket.get(), POLLRDNORM, 0};
    const int ready = ::WSAPoll(&waiting, 1, millis_left(deadline));
    if (ready == SOCKET_ERROR) return socket_error("WSAPoll", where);
    if (ready == 0) return os_error(WSAETIMEDOUT, "udp " + where);
    const int n = ::recv(socket.get(), answer.data(), static_cast<int>(answer.size()), 0);
    if (n == SOCKET_ERROR) {
      if (::WSAGetLastError() == WSAEWOULDBLOCK) continue;
      return socket_error("recv", where);  // WSAECONNRESET: nothing listens there
    }
    answer.resize(static_cast<std::size_t>(n));
    return answer;
  }
}

Result<PortTrialOutcome> WindowsPlatform::port_trial(int listen_port, const std::string& address,
                                                     int port, std::chrono::milliseconds timeout) {
  const auto where = address + " port " + std::to_string(port);
  sockaddr_storage target{};
  int target_length = 0;
  if (!socket_address(address, port, target, target_length))
    return os_error(WSAEINVAL, "connect " + where + " (not an IP address)");
  const WinsockSession winsock;
  if (winsock.status() != 0)
    return os_error(static_cast<std::uint32_t>(winsock.status()), "WSAStartup");
  auto deadline = Clock::now() + std::max(timeout, std::chrono::milliseconds{0});
  constexpr auto kAcceptGrace = std::chrono::milliseconds(500);

  const int family = target.ss_family;
  const UniqueSocket listener(::socket(family, SOCK_STREAM, IPPROTO_TCP));
  const auto listen_where = "port " + std::to_string(listen_port);
  if (!listener.valid()) return socket_error("socket", "listener");
  // No SO_REUSEADDR: on Windows it would let us take a port another process holds.
  sockaddr_storage any{};
  int any_length = 0;
  socket_address(family == AF_INET ? "0.0.0.0" : "::", listen_port, any, any_length);
  if (::bind(listener.get(), reinterpret_cast<const sockaddr*>(&any), any_length) != 0)
    return socket_error("bind", listen_where);
  if (::listen(listener.get(), 4) != 0) return socket_error("listen", listen_where);
  if (!set_non_blocking(listener.get())) return socket_error("ioctlsocket FIONBIO", listen_where);

  PortTrialOutcome outcome;
  const UniqueSocket client(::socket(family, SOCK_STREAM, IPPROTO_TCP));
  if (!client.valid()) return socket_error("socket", where);
  if (!set_non_blocking(client.get())) return socket_error("ioctlsocket FIONBIO", where);
  bool connected = false;
  if (::connect(client.get(), reinterpret_cast<const sockaddr*>(&target), target_length) == 0) {
    connected = true;
    deadline = std::min(deadline, Clock::now() + kAcceptGrace);
  } else if (::WSAGetLastError() != WSAEWOULDBLOCK) {
    outcome.connect_error = socket_error("connect", where);
    return outcome;
  }
  for (;;) {
    WSAPOLLFD waiting[2] = {{listener.get(), POLLRDNORM, 0}, {client.get(), POLLWRNORM, 0}};
    const int ready = ::WSAPoll(waiting, connected ? 1 : 2, millis_left(deadline));
    if (ready == SOCKET_ERROR) return socket_error("WSAPoll", where);
    if (ready == 0) {
      if (!connected) outcome.connect_error = os_error(WSAETIMEDOUT, "connect " + where);
      return outcome;
    }
    if (waiting[0].revents & POLLRDNORM) {
      const UniqueSocket accepted(::accept(listener.get(), nullptr, nullptr));
      if (accepted.valid()) {
        outcome.accepted = true;
        return outcome;
      }
    }
    if (!connected && (waiting[1].revents & (POLLWRNORM | POLLERR | POLLHUP))) {
      int error = 0;
      int length = sizeof error;
      ::getsockopt(client.get(), SOL_SOCKET, SO_ERROR, reinterpret_cast<char*>(&error), &length);
      if (error != 0) {
        outcome.connect_error = os_error(static_cast<std::uint32_t>(error), "connect " + where);
        return outcome;
      }
      connected = true;
      deadline = std::min(deadline, Clock::now() + kAcceptGrace);
    }
  }
}

}  // namespace capprobe::platform
