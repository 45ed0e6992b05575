// The POST of one report with libcurl: bearer token, timeouts, TLS verification. Only the
// capprobe-deliver helper links this, so that libcurl and its TLS libraries (6 MiB of resident
// pages) are never loaded into the long-running agent.
#pragma once

#include <string_view>

#include "agent/daemon/delivery.hpp"

namespace capprobe::agent::daemon {

// Call once at process start, before any thread exists (curl_global_init is not thread-safe).
void init_http_client();

// POSTs `body` (a report's JSON). Reads the token file now, so that a rotated token is used.
// Blocking, bounded by config.timeout.
DeliveryOutcome deliver(const DeliveryConfig& config, std::string_view body);

}  // namespace capprobe::agent::daemon
