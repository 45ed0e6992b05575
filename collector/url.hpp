// Request-target helpers: splitting "/path?query", percent-decoding and query parameters. Beast
// parses the HTTP message; the target inside it is left to the application.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace capprobe::collector {

struct Target {
  std::vector<std::string>
      segments;  // decoded path segments: "/api/v1/nodes/a%2Fb" -> api,v1,nodes,a/b
  std::map<std::string, std::string> query;  // decoded; the last of repeated keys wins
};

// nullopt when the target is not an origin-form path or has a malformed %-escape.
std::optional<Target> parse_target(std::string_view target);
std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space);
// Encodes everything but unreserved characters, for building links to /nodes/{node}.
std::string percent_encode(std::string_view text);

}  // namespace capprobe::collector
