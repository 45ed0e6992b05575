// The POST of one report: bearer token, timeouts, TLS verification, the answer classified. Per
// OS, chosen by CMake: curl_delivery.cpp (libcurl) on Linux, winhttp_delivery.cpp (WinHTTP, the
// system's HTTP stack) on Windows. Only the capprobe-deliver helper links this, so that the HTTP
// and TLS libraries (libcurl's are 6 MiB of resident pages) never load into the long-running
// agent.
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
