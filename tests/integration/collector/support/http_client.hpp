// A small HTTP/1.1 client over Boost.Beast for the collector's tests: one request per call, or
// several over one keep-alive connection, each bounded by a timeout; plain or over TLS (Asio's
// OpenSSL), with the handshake's outcome there to look at.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace capprobe::collector::testing {

struct HttpReply {
  int status = 0;  // 0: no answer (see error)
  std::string body;
  std::string content_type;
  std::string www_authenticate;  // every WWW-Authenticate field, joined by "\n"
  std::string retry_after;       // the Retry-After field, empty when there is none
  bool keep_alive = false;
  std::string error;  // what went wrong when status is 0
};

using Headers = std::vector<std::pair<std::string, std::string>>;

// HTTPS for the client. The defaults are OpenSSL's; the fields below force what a test needs
// (an old protocol version, a weak cipher) to see the server refuse it.
struct ClientTls {
  std::string ca_file;      // verify the server's certificate for 127.0.0.1; empty: no check
  std::string min_version;  // "TLSv1.1", "TLSv1.2", "TLSv1.3"; empty: the library's default
  std::string max_version;
  std::string tls12_ciphers;  // OpenSSL cipher list for TLS 1.2 and older; empty: default
  int security_level = -1;    // OpenSSL's; 0 lets the client offer TLS 1.1 at all; -1: default
};

class HttpConnection {
 public:
  explicit HttpConnection(std::uint16_t port,
                          std::chrono::milliseconds timeout = std::chrono::seconds(10),
                          const std::optional<ClientTls>& tls = std::nullopt);
  ~HttpConnection();
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;

  HttpReply request(const std::string& method, const std::string& target,
                    const std::string& body = "", const Headers& headers = {});
  bool connected() const;
  std::string error() const;  // why the connection (or its TLS handshake) failed

  // After a TLS handshake: what was agreed and who answered.
  std::string tls_version() const;       // "TLSv1.3"
  std::string tls_cipher() const;        // "TLS_AES_256_GCM_SHA384"
  std::string peer_common_name() const;  // the CN of the server's certificate

 private:
  struct State;
  std::unique_ptr<State> state_;
};

HttpReply http_request(std::uint16_t port, const std::string& method, const std::string& target,
                       const std::string& body = "", const Headers& headers = {},
                       std::chrono::milliseconds timeout = std::chrono::seconds(10),
                       const std::optional<ClientTls>& tls = std::nullopt);

inline HttpReply http_get(std::uint16_t port, const std::string& target) {
  return http_request(port, "GET", target);
}

// The value of an Authorization header for HTTP Basic: "Basic " + base64(user ":" password).
std::string basic_auth(const std::string& user, const std::string& password);

}  // namespace capprobe::collector::testing
