// The own-pod GET on Windows, with WinHTTP (pod_get.hpp; the rules are delivery_helper.hpp's
// mode 2): HTTPS only, the API server's certificate checked against the service account's
// ca.crt alone (winhttp_exchange.hpp: WinHTTP's own check lets only an unknown CA through, the
// chain is then built with an exclusive root engine over ca.crt and the SSL policy checks the
// host name; where the system has no such engine, as under Wine, the GET is refused with that
// reason before any connection), never a proxy (WINHTTP_ACCESS_TYPE_NO_PROXY), no redirects,
// no cookies, no Windows credentials, the token read before each request and one retry after a
// 401 (pod_get_rules.hpp).
#include <algorithm>
#include <string>

#include "agent/daemon/pod_get.hpp"
#include "agent/daemon/pod_get_rules.hpp"
#include "agent/daemon/winhttp_exchange.hpp"

namespace capprobe::agent::daemon {
namespace {

PodGetResult result_of(WinHttpFailure failure) {
  switch (failure) {
    case WinHttpFailure::tls:
      return PodGetResult::tls_failed;
    case WinHttpFailure::timed_out:
      return PodGetResult::timed_out;
    case WinHttpFailure::none:
    case WinHttpFailure::other:
      break;
  }
  return PodGetResult::failed;
}

PodGetAnswer get_once(const PodGetConfig& config, Millis remaining) {
  std::string token;
  if (auto no_token = read_pod_token(config, token)) return *no_token;
  WinHttpExchange exchange;
  exchange.url = config.url;
  exchange.https_only = true;
  // The API server is the cluster's own: no proxy, whatever the machine's setting, may see the
  // token.
  exchange.system_proxy = false;
  exchange.ca_file = config.ca_file;
  exchange.ca_name = config.ca_file;
  exchange.peer = "the API server";
  std::string authorization = bearer_header(token);
  std::fill(token.begin(), token.end(), '\0');
  exchange.headers = "Accept: application/json\r\n" + authorization + "\r\n";
  std::fill(authorization.begin(), authorization.end(), '\0');
  exchange.carries_secret = true;
  exchange.connect_timeout = config.connect_timeout;
  exchange.timeout = remaining;
  exchange.max_answer_bytes = kMaxPodBytes;
  exchange.truncate_answer = false;

  auto result = winhttp_exchange(exchange);
  if (result.too_large) return pod_answer_too_large();
  if (result.failure == WinHttpFailure::none)
    return pod_answer_from_http(result.status, std::move(result.answer));
  PodGetAnswer answer;
  answer.result = result_of(result.failure);
  answer.attempts = result.attempted ? 1 : 0;
  answer.detail = std::move(result.detail);
  return answer;
}

}  // namespace

PodGetAnswer get_pod(const PodGetConfig& config) {
  return get_pod_with_one_retry(config, get_once);
}

}  // namespace capprobe::agent::daemon
