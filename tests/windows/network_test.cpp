// The network facts: the adapters' addresses, the network compartment, and a connect to an
// AF_UNIX socket, on Wine and on Windows; where Wine lacks a call, the test's name says so.
#include <winsock2.h>
// After winsock2.h, which they need.
#include <afunix.h>
#include <ws2tcpip.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <string>
#include <thread>
#include <utility>

#include "platform/windows/windows_platform.hpp"
#include "tests/windows/windows_test_support.hpp"

using namespace capprobe::platform;
using namespace std::chrono_literals;
using capprobe::testing::report_skip;
using capprobe::testing::Scratch;
using capprobe::testing::wine_version;

TEST_CASE("interface_addresses: the loopback address among them, each address parseable") {
  const auto addresses = WindowsPlatform().interface_addresses();
  REQUIRE(addresses.ok());
  const auto& list = addresses.value();
  // Wine names the adapters after the host's ("lo"); Windows by their friendly names.
  const auto loopback = std::find_if(
      list.begin(), list.end(), [](const auto& address) { return address.address == "127.0.0.1"; });
  CHECK(loopback != list.end());
  for (const auto& address : list) {
    INFO(address.interface << " " << address.address);
    CHECK_FALSE(address.interface.empty());
    CHECK(address.ipv6 == (address.address.find(':') != std::string::npos));
    unsigned char binary[16] = {};
    const std::wstring wide(address.address.begin(), address.address.end());
    CHECK(::InetPtonW(address.ipv6 ? AF_INET6 : AF_INET, wide.c_str(), binary) == 1);
    CHECK(address.address.find('%') == std::string::npos);  // no scope id, as inet_ntop
  }
}

TEST_CASE("network_compartment under Wine: not exported, ERROR_PROC_NOT_FOUND (unsupported)") {
  if (!wine_version()) return report_skip("a Wine behaviour; Windows exports the call");
  const auto compartment = WindowsPlatform().network_compartment();
  REQUIRE_FALSE(compartment.ok());
  CHECK(compartment.error().name == "ERROR_PROC_NOT_FOUND");
  CHECK(compartment.error().kind == ErrorKind::unsupported);
  CHECK(compartment.error().context == "GetProcAddress GetCurrentThreadCompartmentId");
}

TEST_CASE("network_compartment on Windows: a compartment id, 1 outside containers") {
  if (const auto wine = wine_version()) {
    return report_skip("Wine " + *wine + " does not export GetCurrentThreadCompartmentId");
  }
  const auto compartment = WindowsPlatform().network_compartment();
  REQUIRE(compartment.ok());
  CHECK(compartment.value() >= 1);
}

TEST_CASE("connect_unix: a path too long for sun_path is refused before any socket") {
  const auto refused = WindowsPlatform().connect_unix(std::string(200, 'x'), 100ms);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().name == "ERROR_FILENAME_EXCED_RANGE");
}

TEST_CASE("connect_unix under Wine: no AF_UNIX, WSAEAFNOSUPPORT (unsupported)") {
  if (!wine_version()) return report_skip("a Wine behaviour; Windows has AF_UNIX since 1803");
  WindowsPlatform os;
  Scratch scratch(os);
  const auto connected = os.connect_unix(scratch / "socket", 100ms);
  REQUIRE_FALSE(connected.ok());
  CHECK(connected.error().name == "WSAEAFNOSUPPORT");
  CHECK(connected.error().kind == ErrorKind::unsupported);
}

TEST_CASE("connect_unix on Windows: a listening socket connects, a missing one does not") {
  if (const auto wine = wine_version()) return report_skip("Wine " + *wine + " has no AF_UNIX");
  WSADATA data{};
  REQUIRE(::WSAStartup(MAKEWORD(2, 2), &data) == 0);
  WindowsPlatform os;
  Scratch scratch(os);
  const std::string path = scratch / "socket";
  const SOCKET listener = ::socket(AF_UNIX, SOCK_STREAM, 0);
  if (listener == INVALID_SOCKET) {
    ::WSACleanup();
    return report_skip("this Windows has no AF_UNIX (before 1803)");
  }
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::copy(path.begin(), path.end(), address.sun_path);
  REQUIRE(::bind(listener, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0);
  REQUIRE(::listen(listener, 1) == 0);
  CHECK(os.connect_unix(path, 1000ms).ok());
  ::closesocket(listener);
  ::WSACleanup();
  CHECK_FALSE(os.connect_unix(scratch / "nothing", 100ms).ok());
}

namespace {

// A loopback socket of `type` on an ephemeral port (Winsock started by the caller's session).
std::pair<SOCKET, int> loopback_socket(int type) {
  const SOCKET s = ::socket(AF_INET, type, 0);
  REQUIRE(s != INVALID_SOCKET);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(s, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  int length = sizeof address;
  REQUIRE(::getsockname(s, reinterpret_cast<sockaddr*>(&address), &length) == 0);
  return {s, ntohs(address.sin_port)};
}

struct Winsock {
  Winsock() {
    WSADATA data{};
    REQUIRE(::WSAStartup(MAKEWORD(2, 2), &data) == 0);
  }
  ~Winsock() { ::WSACleanup(); }
};

}  // namespace

TEST_CASE("udp_exchange: an answer from a loopback server, and a deadline when none comes") {
  Winsock winsock;
  WindowsPlatform os;
  const auto [server, port] = loopback_socket(SOCK_DGRAM);
  std::thread echo([s = server] {
    char buffer[64];
    sockaddr_in peer{};
    int length = sizeof peer;
    const int n =
        ::recvfrom(s, buffer, sizeof buffer, 0, reinterpret_cast<sockaddr*>(&peer), &length);
    if (n > 0) ::sendto(s, "pong", 4, 0, reinterpret_cast<sockaddr*>(&peer), length);
  });
  const auto answer = os.udp_exchange("127.0.0.1", port, "ping", 2000ms);
  echo.join();
  REQUIRE(answer.ok());
  CHECK(answer.value() == "pong");
  const auto silent = os.udp_exchange("127.0.0.1", port, "ping", 100ms);
  CHECK_FALSE(silent.ok());
  ::closesocket(server);
}

TEST_CASE("port_trial: a connect to our own listener's port reaches it, a closed port does not") {
  Winsock winsock;
  WindowsPlatform os;
  const auto [free_socket, listen_port] = loopback_socket(SOCK_STREAM);
  ::closesocket(free_socket);
  const auto reached = os.port_trial(listen_port, "127.0.0.1", listen_port, 1000ms);
  REQUIRE(reached.ok());
  CHECK_FALSE(reached.value().connect_error);
  CHECK(reached.value().accepted);
  const auto [closed, closed_port] = loopback_socket(SOCK_STREAM);
  ::closesocket(closed);
  const auto refused = os.port_trial(listen_port, "127.0.0.1", closed_port, 1000ms);
  REQUIRE(refused.ok());
  CHECK(refused.value().connect_error.has_value());
  CHECK_FALSE(refused.value().accepted);
}
