// The expectation language of a lab scenario: a JSON value that is matched against the report.
// Plain values compare for equality (numbers numerically), plain objects match partially (every
// key given must match, others are ignored), plain arrays element by element, and objects whose
// keys start with "$" are operators: $near/$tol, $range, $one_of, $contains, $contains_all,
// $excludes, $set, $regex, $type, $len, $absent, $not, $all (tests/lab/README.md lists them).
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace capprobe::lab {

using nlohmann::json;

// One leaf comparison: where, whether it held, what was wanted and what was there.
struct Check {
  std::string path;  // "results.host.pid.evidence.namespace"
  bool passed = false;
  std::string wanted;
  std::string got;
};

// Matches `expected` against `actual` (nullptr = the key is absent) and returns every leaf
// check. Throws std::invalid_argument on a malformed expectation (an unknown "$" operator).
std::vector<Check> match(const json& expected, const json* actual, const std::string& path);

// The report as expectations address it: "results" becomes an object keyed by result id.
json report_view(const json& report);

// Replaces placeholders: a string that is exactly "{{name}}" becomes the value vars[name] (of
// any JSON type: a number stays a number), and "{{name}}" inside a longer string becomes the
// value's text. Throws std::invalid_argument for a name that is not defined (a typo must not
// silently compare against the literal text).
json substitute(const json& value, const std::map<std::string, json>& vars);

// A value shown in a check line, cut to `limit` characters.
std::string shown(const json* value, std::size_t limit = 160);

}  // namespace capprobe::lab
