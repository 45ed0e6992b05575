// HTTP on loopback for the agent's integration tests: a small server core that answers each
// request through a handler (HTTP or HTTPS, IPv4 or IPv6 loopback), the fake collector built
// on it, which records every report POSTed to it and answers as told, a one-shot GET client,
// and a free port. The fake API server (fake_api_server.hpp) is built on the same core.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace capprobe::it {

struct ReceivedReport {
  std::string report_id;
  std::string agent_mode;     // the envelope's agent.mode
  std::string authorization;  // the Authorization header as sent
  unsigned answered = 0;      // the status the fake answered
  std::string body;           // the report as sent
};

struct TlsFiles {
  std::string certificate_pem;  // the server's certificate (self-signed is fine)
  std::string private_key_pem;
};

// One request as the server core hands it to its handler.
struct ServerRequest {
  std::string method;  // "GET", "POST"
  std::string target;  // "/api/v1/reports"
  std::string authorization;
  std::string body;
};

// The handler's answer; it is sent after `delay` (a slow server).
struct ServerAnswer {
  unsigned status = 404;
  std::string body = "{}";
  std::chrono::milliseconds delay{0};
};

// Called on the server's own thread, one request at a time.
using ServerHandler = std::function<ServerAnswer(const ServerRequest&)>;

// Listens on `address` ("127.0.0.1" or "::1"), port `port` (0 = any free port) and serves on its
// own thread until destroyed; speaks HTTPS when given `tls`. Throws when it cannot listen.
class LoopbackServer {
 public:
  LoopbackServer(ServerHandler handler, std::uint16_t port = 0,
                 const std::optional<TlsFiles>& tls = {}, const std::string& address = "127.0.0.1");
  ~LoopbackServer();
  LoopbackServer(const LoopbackServer&) = delete;
  LoopbackServer& operator=(const LoopbackServer&) = delete;

  std::uint16_t port() const;
  std::string url() const;                // "http://127.0.0.1:<port>", "https://[::1]:<port>"
  std::size_t failed_handshakes() const;  // TLS clients that gave up (untrusted certificate)

  struct Core;

 private:
  std::shared_ptr<Core> core_;
};

// POST /api/v1/reports: 202 for a new report_id, 200 for one it has stored, or the fixed status
// set by answer_with() (a rejection or an outage stores nothing). Anything else: 404.
class FakeCollector {
 public:
  explicit FakeCollector(std::uint16_t port = 0, const std::optional<TlsFiles>& tls = {});
  FakeCollector(const FakeCollector&) = delete;
  FakeCollector& operator=(const FakeCollector&) = delete;

  std::uint16_t port() const { return server_->port(); }
  std::string url() const { return server_->url(); }
  std::size_t failed_handshakes() const { return server_->failed_handshakes(); }
  void answer_with(unsigned status);                    // 0 = the normal 202/200 behaviour
  void delay_answers(std::chrono::milliseconds delay);  // a slow collector
  std::vector<ReceivedReport> received() const;         // every POST, in arrival order
  std::vector<std::string> stored_ids() const;          // answered 202, in arrival order

  struct State;

 private:
  std::shared_ptr<State> state_;
  std::unique_ptr<LoopbackServer> server_;  // after state_: destroyed (and stopped) first
};

struct HttpGot {
  unsigned status = 0;  // 0 when the request failed
  std::string content_type;
  std::string body;
};

// GET http://127.0.0.1:<port><target>, one request, a few seconds at most.
HttpGot http_get(std::uint16_t port, const std::string& target);

// A loopback port nobody listens on right now (bound to 0, read, closed).
std::uint16_t free_loopback_port();

}  // namespace capprobe::it
