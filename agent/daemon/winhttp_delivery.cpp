// One POST with WinHTTP, Windows' own HTTP stack (Debian has no libcurl for mingw, and a node's
// proxy and TLS settings belong to the system anyway): bearer token, timeouts, TLS verified by
// default against the system's roots and the host name, --ca-file (a PEM bundle) replacing
// those roots as libcurl's CAINFO does (winhttp_exchange.hpp says how), and the answer
// classified as curl_delivery.cpp classifies it.
#include <algorithm>
#include <string>

#include "agent/daemon/http_delivery.hpp"
#include "agent/daemon/winhttp_exchange.hpp"

namespace capprobe::agent::daemon {

// WinHTTP needs no process-wide set-up.
void init_http_client() {}

DeliveryOutcome deliver(const DeliveryConfig& config, std::string_view body) {
  WinHttpExchange exchange;
  exchange.url = config.reports_url;
  exchange.verb = L"POST";
  // The system's WinHTTP proxy setting (netsh winhttp), as Windows services use it.
  exchange.system_proxy = true;
  exchange.ca_file = config.ca_file;
  if (config.ca_file) exchange.ca_name = "--ca-file " + *config.ca_file;
  exchange.peer = "the collector";
  exchange.headers = "Content-Type: application/json\r\n";
  if (config.token_file) {
    std::string token;
    if (auto problem = read_token(*config.token_file, token)) return *problem;
    exchange.headers += "Authorization: Bearer " + token + "\r\n";
    std::fill(token.begin(), token.end(), '\0');
    exchange.carries_secret = true;
  }
  exchange.body = body;
  exchange.connect_timeout = config.connect_timeout;
  exchange.timeout = config.timeout;
  exchange.max_answer_bytes = kMaxAnswerBytes;

  const auto result = winhttp_exchange(exchange);
  switch (result.failure) {
    case WinHttpFailure::none:
      return {classify_http_status(result.status), result.status, answer_line(result.answer)};
    case WinHttpFailure::tls:
      return {DeliveryResult::retry, 0, "TLS: " + result.detail};
    case WinHttpFailure::timed_out:
    case WinHttpFailure::other:
      break;
  }
  return {DeliveryResult::retry, 0, result.detail};
}

}  // namespace capprobe::agent::daemon
