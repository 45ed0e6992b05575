// Parsing and printing the agent's durations, and interval jitter.
#include "agent/daemon/duration.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <utility>

namespace capprobe::agent::daemon {
namespace {

constexpr std::int64_t kMaxMillis = 30LL * 24 * 3600 * 1000;

// Longest unit first, so that "ms" is matched before "m".
constexpr std::array<std::pair<std::string_view, std::int64_t>, 4> kUnits = {{
    {"ms", 1},
    {"h", 3600 * 1000},
    {"m", 60 * 1000},
    {"s", 1000},
}};

}  // namespace

std::optional<Millis> parse_duration(std::string_view text) {
  if (text.empty()) return std::nullopt;
  std::int64_t total = 0;
  std::size_t at = 0;
  while (at < text.size()) {
    std::int64_t number = 0;
    const auto start = at;
    for (; at < text.size() && text[at] >= '0' && text[at] <= '9'; ++at) {
      number = number * 10 + (text[at] - '0');
      if (number > kMaxMillis) return std::nullopt;
    }
    if (at == start) return std::nullopt;
    const auto unit = std::find_if(kUnits.begin(), kUnits.end(), [&](const auto& candidate) {
      return text.substr(at, candidate.first.size()) == candidate.first;
    });
    if (unit == kUnits.end()) return std::nullopt;
    at += unit->first.size();
    total += number * unit->second;
    if (total > kMaxMillis) return std::nullopt;
  }
  if (total <= 0) return std::nullopt;
  return Millis(total);
}

std::string format_duration(Millis duration) {
  auto left = duration.count();
  if (left <= 0) return "0s";
  std::string out;
  for (const auto& [name, size] : {std::pair<std::string_view, std::int64_t>{"h", 3600 * 1000},
                                   {"m", 60 * 1000},
                                   {"s", 1000},
                                   {"ms", 1}}) {
    if (left >= size) {
      out += std::to_string(left / size) + std::string(name);
      left %= size;
    }
  }
  return out;
}

Millis jittered(Millis base, double fraction, double unit) {
  fraction = std::clamp(fraction, 0.0, 1.0);
  unit = std::clamp(unit, 0.0, 1.0);
  const double factor = 1.0 + fraction * (2.0 * unit - 1.0);
  const auto moved =
      static_cast<std::int64_t>(std::llround(static_cast<double>(base.count()) * factor));
  return Millis(std::max<std::int64_t>(1, moved));
}

}  // namespace capprobe::agent::daemon
