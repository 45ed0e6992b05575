// A fake Kubernetes API server for the own-pod GET, on the loopback server core (HTTPS with a
// certificate the test made): GET /api/v1/namespaces/{ns}/pods/{name} (and GET /version, which
// api.service_account reads) answered as the real one answers it, from recorded Pods in its shape.
// 200 for a pod it holds in the namespace the service account may read; 403 in any other namespace
// (a namespaced Role's reach), with the RBAC message; 404 for a pod it does not hold; 401 for any
// token but the accepted one. Errors are Kubernetes Status objects, as the API server writes them.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "loopback_http.hpp"

namespace capprobe::it {

struct ApiRequest {
  std::string method;
  std::string target;
  std::string authorization;  // as sent
  unsigned answered = 0;
};

class FakeApiServer {
 public:
  // Serves on `address` ("127.0.0.1", "::1"); `readable_namespace` is where the service account's
  // Role lets it get pods; `token` the one token accepted.
  FakeApiServer(const TlsFiles& tls, std::string readable_namespace, std::string token,
                const std::string& address = "127.0.0.1");
  FakeApiServer(const FakeApiServer&) = delete;
  FakeApiServer& operator=(const FakeApiServer&) = delete;

  std::uint16_t port() const { return server_->port(); }
  std::size_t failed_handshakes() const { return server_->failed_handshakes(); }

  void add_pod(const std::string& name_space, const std::string& name, std::string json);
  // From now on only `token` is accepted: the token was rotated.
  void accept_token(std::string token);
  // The kubelet rotating the token file as a request is in flight: the next request that does
  // not carry `fresh` finds `token_file` rewritten with it (and `fresh` the accepted token) and
  // is answered 401, as the API server answers a token that was just replaced.
  void rotate_during_next_request(std::string token_file, std::string fresh);
  void delay_answers(std::chrono::milliseconds delay);
  std::vector<ApiRequest> requests() const;

  struct State;

 private:
  std::shared_ptr<State> state_;
  std::unique_ptr<LoopbackServer> server_;  // after state_: destroyed (and stopped) first
};

}  // namespace capprobe::it
