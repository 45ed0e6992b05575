// Winsock helpers the socket calls share (unix_connect.cpp, net_exercise.cpp): a session for
// the length of one call and a socket closed on every path out.
#pragma once

#include <winsock2.h>

namespace capprobe::platform {

// Winsock for the length of one call: WSAStartup counts its users, so this never disturbs
// another part of the process that uses sockets too.
class WinsockSession {
 public:
  WinsockSession() {
    WSADATA data{};
    status_ = ::WSAStartup(MAKEWORD(2, 2), &data);
  }
  ~WinsockSession() {
    if (status_ == 0) ::WSACleanup();
  }
  WinsockSession(const WinsockSession&) = delete;
  WinsockSession& operator=(const WinsockSession&) = delete;
  int status() const { return status_; }

 private:
  int status_ = 0;
};

class UniqueSocket {
 public:
  explicit UniqueSocket(SOCKET socket) : socket_(socket) {}
  ~UniqueSocket() {
    if (socket_ != INVALID_SOCKET) ::closesocket(socket_);
  }
  UniqueSocket(const UniqueSocket&) = delete;
  UniqueSocket& operator=(const UniqueSocket&) = delete;
  SOCKET get() const { return socket_; }
  bool valid() const { return socket_ != INVALID_SOCKET; }

 private:
  SOCKET socket_;
};

}  // namespace capprobe::platform
