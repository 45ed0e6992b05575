// The collector's HTTP/1.1 server on Boost.Beast, plain or over TLS: accepts connections up to a
// limit, reads each request under a deadline and size limits, hands it to the Api and writes the
// answer, with keep-alive. Runs on the io_context's threads; a slow client holds only its own
// connection.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>

#include <spdlog/logger.h>

#include "collector/api.hpp"
#include "collector/beast.hpp"
#include "collector/metrics.hpp"
#include "collector/tls.hpp"

namespace capprobe::collector {

struct ServerLimits {
  std::size_t max_body_bytes = 1024 * 1024;
  std::uint32_t max_header_bytes = 16 * 1024;
  std::chrono::milliseconds read_timeout{10000};   // the whole request, header and body
  std::chrono::milliseconds write_timeout{30000};  // the whole response
  int max_connections = 512;
};

class HttpServer {
 public:
  // Binds and listens at once (throws boost::system::system_error when it cannot). With `tls`,
  // every connection is HTTPS, each handshake with the context the ServerTls holds then.
  HttpServer(net::io_context& io, const tcp::endpoint& endpoint, Api& api, Metrics& metrics,
             ServerLimits limits, std::shared_ptr<spdlog::logger> log,
             std::shared_ptr<const ServerTls> tls = nullptr);
  ~HttpServer();

  void start();  // begins accepting
  void stop();   // stops accepting; open connections finish on their own
  tcp::endpoint local_endpoint() const;

 private:
  class Listener;
  std::shared_ptr<Listener> listener_;
};

}  // namespace capprobe::collector
