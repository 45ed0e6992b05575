// Validation of a POSTed report (DESIGN.md "Report envelope" and "Result model"): the body either
// becomes an IncomingReport (what storage and the matrix need) or a Rejection with a reason a
// person can act on. Whatever it accepts, agent::report_from_json reads the same way (tested).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "agent/report.hpp"
#include "probes/result.hpp"

namespace capprobe::collector {

// One capability of a report, as much as the matrix needs.
struct ResultSummary {
  std::string id;
  probes::Status status = probes::Status::untested;
  std::optional<bool> requested;

  bool requested_but_ignored() const { return probes::is_requested_but_ignored(requested, status); }
};

struct IncomingReport {
  std::string report_id;
  agent::Subject subject;
  std::string subject_key;   // see subject_key()
  std::string subject_json;  // the subject object, compact, for history listings
  std::int64_t started_at_ms = 0;
  std::vector<ResultSummary> results;
};

enum class RejectReason { invalid_json, wrong_schema, invalid_report };

struct Rejection {
  RejectReason reason;
  std::string message;
};

// Limits on what one report may hold; a body above the size limit never gets this far (413).
inline constexpr std::size_t kMaxIdLength = 128;
inline constexpr std::size_t kMaxNameLength = 253;  // a DNS name, the longest node/pod name
inline constexpr std::size_t kMaxResults = 1000;
inline constexpr int kMaxDepth = 64;

// The parser reads up to kParsePadding bytes past the end of the text (vector loads). A string
// with that much spare capacity (see HttpServer, which reserves it for each body) is parsed in
// place; any other text is first copied into the parser's own padded buffer.
inline constexpr std::size_t kParsePadding = 64;

std::variant<IncomingReport, Rejection> validate_report(const std::string& body);
std::variant<IncomingReport, Rejection> validate_report(std::string_view body);

// A subject is one agent identity: node, pod ("namespace/name"), container and runtime class,
// joined with U+001F (which validation keeps out of every part); absent and "" are the same.
std::string subject_key(const agent::Subject& subject);

// RFC 3339 to Unix milliseconds lives with the report model, which the agent shares.
using agent::parse_rfc3339_ms;

const char* reason_label(RejectReason reason);

}  // namespace capprobe::collector
