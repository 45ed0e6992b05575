// Delivering one report to the collector (DESIGN.md "Collector API": POST /api/v1/reports):
// the settings, and what the answer means for the report: done, drop, or keep and retry. The
// POST itself is http_delivery.hpp's, run in the capprobe-deliver helper (delivery_helper.hpp).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "agent/daemon/duration.hpp"

namespace capprobe::agent::daemon {

struct DeliveryConfig {
  std::string reports_url;  // reports_url(--collector)
  std::optional<std::string> token_file;
  std::optional<std::string> ca_file;
  Millis connect_timeout{5000};
  Millis timeout{20000};
};

enum class DeliveryResult {
  delivered,  // 202: stored
  duplicate,  // 200: the collector had this report_id already; as good as delivered
  rejected,   // a 4xx that says the report itself is wrong (400, 413...): drop it
  retry,      // 5xx, 401/403, 408, 429, other answers, no answer: keep it and try later
};

struct DeliveryOutcome {
  DeliveryResult result = DeliveryResult::retry;
  long http_status = 0;  // 0 when there was no HTTP answer
  std::string detail;    // curl's error, or the start of the collector's answer; no secrets
};

std::string_view to_string(DeliveryResult result);

// <collector>/api/v1/reports, `collector` without trailing slashes.
std::string reports_url(std::string_view collector);

// What an HTTP status means for the report.
DeliveryResult classify_http_status(long status);

// The bearer token from a --token-file's content: surrounding whitespace removed; nullopt when
// it is empty or holds a character that cannot go in a header (a line break, a control).
std::optional<std::string> token_from_file_content(std::string_view content);

// Reads the token file at `path` now (a rotated token is picked up by reading it again) into
// `token`; "" or why there is no usable token, which never holds the file's content.
std::string read_token_file(const std::string& path, std::string& token);

// read_token_file for a delivery: nullopt when the token was read, else the retry outcome that
// says why not. Never puts the token in the detail.
std::optional<DeliveryOutcome> read_token(const std::string& path, std::string& token);

// The start of the collector's answer on one line, for the outcome's detail and a log message.
std::string answer_line(std::string_view text);

// A URL's host as a server certificate names it, for checking the certificate's name: an IPv6
// literal without the URL's brackets and without its zone, which no certificate names
// ("[fe80::1%25eth0]" is "fe80::1"); any other host as it is.
std::string certificate_host_name(std::string_view url_host);

// At most this much of the collector's answer is kept: enough for its reason.
inline constexpr std::size_t kMaxAnswerBytes = 4096;

}  // namespace capprobe::agent::daemon
