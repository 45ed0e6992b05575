// One request through WinHTTP, Windows' own HTTP stack, as both modes of capprobe-deliver make
// it on Windows (winhttp_delivery.cpp, the report POST; winhttp_pod_get.cpp, the own-pod GET):
// the URL cracked, the proxy chosen, the timeouts, no redirects, no cookies, never the machine's
// Windows credentials offered, and TLS verified either by WinHTTP against the system's roots or
// against a PEM bundle alone (`ca_file`).
//
// A bundle replaces the system's roots, as libcurl's CAINFO does. WinHTTP cannot take a CA file,
// so its own check is told to let an unknown CA through (SECURITY_FLAG_IGNORE_UNKNOWN_CA only: it
// still checks the name and the dates), and the chain is verified here against the bundle alone:
// CertGetCertificateChain with an exclusive root engine (the bundle's certificates are the only
// anchors, an intermediate among them counts as one, like libcurl's partial chains), then the
// SSL policy for the host name. That happens in the WINHTTP_CALLBACK_STATUS_SENDING_REQUEST
// callback, after the handshake and before the request is sent; a chain that fails closes the
// request there (the pattern Microsoft documents for checking a server certificate in WinHTTP).
// The engine is made before any connection: where the system cannot make one (Wine's crypt32
// has no exclusive root engine) the request is refused with that reason and nothing is sent.
// The body is written only after WinHttpSendRequest returned with the check passed.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "agent/daemon/duration.hpp"

namespace capprobe::agent::daemon {

struct WinHttpExchange {
  std::string url;               // http:// or https://, UTF-8
  const wchar_t* verb = L"GET";  // L"GET", L"POST"
  bool https_only = false;       // refuse an http:// URL
  // true: the machine's WinHTTP proxy setting (netsh winhttp), as Windows services use it;
  // false: WINHTTP_ACCESS_TYPE_NO_PROXY, whatever the machine says.
  bool system_proxy = false;
  std::optional<std::string> ca_file;  // a PEM bundle: the only CAs trusted (https only)
  std::string ca_name;  // how messages name it: "--ca-file C:\\x\\ca.pem", "C:\\...\\ca.crt"
  std::string peer;     // how messages name the server: "the collector"
  // Header lines, each ending "\r\n"; wiped once sent. They may carry a secret (a bearer token):
  // `carries_secret` says so, and then they are never sent to a server whose certificate the
  // bundle could not be checked for.
  std::string headers;
  bool carries_secret = false;
  std::string_view body;  // sent after the headers, only once the bundle's check passed
  Millis connect_timeout{5000};
  Millis timeout{20000};  // the whole exchange, every step included
  std::size_t max_answer_bytes = 4096;
  bool truncate_answer = true;  // true: keep the answer's start; false: `too_large` instead
};

enum class WinHttpFailure {
  none,       // an HTTP answer came: `status` and `answer`
  tls,        // the server's certificate was refused, or could not be checked as asked
  timed_out,  // no whole answer within `timeout`
  other,      // an unusable URL, no connection, a WinHTTP error...
};

struct WinHttpResult {
  WinHttpFailure failure = WinHttpFailure::other;
  std::string detail;  // why, when failure is not none; never a header's content
  long status = 0;
  std::string answer;
  bool too_large = false;  // the answer passed max_answer_bytes (truncate_answer false)
  // Whether a connection was tried: false for a refusal before it (an unusable URL or bundle,
  // no exclusive root engine), when nothing reached the network.
  bool attempted = false;
};

// Makes the exchange; blocking, bounded by exchange.timeout. Wipes exchange.headers.
WinHttpResult winhttp_exchange(WinHttpExchange& exchange);

}  // namespace capprobe::agent::daemon
