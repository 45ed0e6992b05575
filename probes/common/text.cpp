// Implementation of the shared text parsers; table-driven tests in
// tests/unit/probes/common_test.cpp.
#include "probes/common/text.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>

namespace capprobe::probes::text {

std::string_view trim(std::string_view s) {
  const auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

std::vector<std::string> split(std::string_view s, char separator) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    const auto end = s.find(separator, start);
    parts.emplace_back(s.substr(start, end == std::string_view::npos ? s.npos : end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return parts;
}

std::vector<std::string> split_whitespace(std::string_view s) {
  std::vector<std::string> parts;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) ++i;
    const auto start = i;
    while (i < s.size() && !(s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) ++i;
    if (i > start) parts.emplace_back(s.substr(start, i - start));
  }
  return parts;
}

std::vector<std::string> lines(std::string_view s) {
  auto parts = split(s, '\n');
  if (!parts.empty() && parts.back().empty()) parts.pop_back();
  return parts;
}

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::string capitalized(std::string_view s) {
  std::string out(s);
  if (!out.empty() && out.front() >= 'a' && out.front() <= 'z')
    out.front() = static_cast<char>(out.front() - 'a' + 'A');
  return out;
}

std::string join(const std::vector<std::string>& parts, std::string_view separator) {
  std::string out;
  for (const auto& part : parts) {
    if (!out.empty()) out += separator;
    out += part;
  }
  return out;
}

std::optional<std::int64_t> parse_int(std::string_view s) {
  s = trim(s);
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc{} || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return value;
}

std::optional<std::uint64_t> parse_uint(std::string_view s) {
  s = trim(s);
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc{} || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return value;
}

std::optional<std::uint64_t> parse_hex(std::string_view s) {
  s = trim(s);
  if (starts_with(s, "0x") || starts_with(s, "0X")) s.remove_prefix(2);
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value, 16);
  if (ec != std::errc{} || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return value;
}

std::optional<double> parse_double(std::string_view s) {
  // from_chars, unlike strtod, ignores the locale (a decimal comma under de_DE) and takes no
  // hex floats; "nan" and "inf" are no measurement, and an out-of-range value is an error.
  s = trim(s);
  double value = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc{} || end != s.data() + s.size() || s.empty() || !std::isfinite(value))
    return std::nullopt;
  return value;
}

std::optional<std::vector<int>> parse_cpu_list(std::string_view s) {
  // A CPU number must fit an int: "4294967296" would otherwise wrap to CPU 0.
  const auto cpu_number = [](std::string_view text) -> std::optional<std::int64_t> {
    const auto value = parse_int(text);
    if (!value || *value < 0 || *value > std::numeric_limits<int>::max()) return std::nullopt;
    return value;
  };
  std::vector<int> cpus;
  s = trim(s);
  if (s.empty()) return cpus;
  for (const auto& part : split(s, ',')) {
    const auto dash = part.find('-');
    if (dash == std::string::npos) {
      const auto one = cpu_number(part);
      if (!one) return std::nullopt;
      cpus.push_back(static_cast<int>(*one));
      continue;
    }
    const auto first = cpu_number(std::string_view(part).substr(0, dash));
    const auto last = cpu_number(std::string_view(part).substr(dash + 1));
    if (!first || !last || *last < *first || *last - *first > 65536) return std::nullopt;
    for (auto cpu = *first; cpu <= *last; ++cpu) cpus.push_back(static_cast<int>(cpu));
  }
  std::sort(cpus.begin(), cpus.end());
  cpus.erase(std::unique(cpus.begin(), cpus.end()), cpus.end());
  return cpus;
}

std::string format_cpu_list(const std::vector<int>& cpus) {
  std::string out;
  for (std::size_t i = 0; i < cpus.size();) {
    std::size_t j = i;
    while (j + 1 < cpus.size() && cpus[j + 1] == cpus[j] + 1) ++j;
    if (!out.empty()) out += ',';
    out += std::to_string(cpus[i]);
    if (j > i) out += '-' + std::to_string(cpus[j]);
    i = j + 1;
  }
  return out;
}

std::map<std::string, std::string> key_values(std::string_view s, char separator) {
  std::map<std::string, std::string> out;
  for (const auto& line : lines(s)) {
    const auto at = line.find(separator);
    if (at == std::string::npos) continue;
    out[std::string(trim(std::string_view(line).substr(0, at)))] =
        std::string(trim(std::string_view(line).substr(at + 1)));
  }
  return out;
}

}  // namespace capprobe::probes::text
