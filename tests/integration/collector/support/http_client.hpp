// A small HTTP/1.1 client over Boost.Beast for the collector's tests: one request per call, or
// several over one keep-alive connection, each bounded by a timeout.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace capprobe::collector::testing {

struct HttpReply {
  int status = 0;  // 0: no answer (see error)
  std::string body;
  std::string content_type;
  bool keep_alive = false;
  std::string error;  // what went wrong when status is 0
};

using Headers = std::vector<std::pair<std::string, std::string>>;

class HttpConnection {
 public:
  explicit HttpConnection(std::uint16_t port,
                          std::chrono::milliseconds timeout = std::chrono::seconds(10));
  ~HttpConnection();
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;

  HttpReply request(const std::string& method, const std::string& target,
                    const std::string& body = "", const Headers& headers = {});
  bool connected() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

HttpReply http_request(std::uint16_t port, const std::string& method, const std::string& target,
                       const std::string& body = "", const Headers& headers = {},
                       std::chrono::milliseconds timeout = std::chrono::seconds(10));

inline HttpReply http_get(std::uint16_t port, const std::string& target) {
  return http_request(port, "GET", target);
}

}  // namespace capprobe::collector::testing
