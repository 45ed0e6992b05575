// A small HTTP/1.1 server (Boost.Beast) on the agent's event loop for /healthz and /metrics.
// Requests are answered by a handler; this file only speaks HTTP: bounded headers, a read
// timeout, a cap on open connections, keep-alive.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <variant>

#include "agent/daemon/beast.hpp"
#include "agent/daemon/options.hpp"

namespace capprobe::agent::daemon {

struct HttpAnswer {
  unsigned status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

// Called on the event loop for each request: the method ("GET") and the target ("/metrics").
using HttpHandler = std::function<HttpAnswer(std::string_view method, std::string_view target)>;

class Listener {
 public:
  // Binds `address` and starts accepting on `loop`. Returns the listener or why it cannot
  // listen ("127.0.0.1:9101: Address already in use").
  static std::variant<std::shared_ptr<Listener>, std::string> start(net::io_context& loop,
                                                                    const ListenAddress& address,
                                                                    HttpHandler handler);
  // Stops accepting; connections already open finish their current request.
  void stop();
  std::uint16_t port() const { return port_; }

  struct State;  // shared with the connections

 private:
  explicit Listener(std::shared_ptr<State> state, std::uint16_t port)
      : state_(std::move(state)), port_(port) {}
  std::shared_ptr<State> state_;
  std::uint16_t port_ = 0;
};

}  // namespace capprobe::agent::daemon
