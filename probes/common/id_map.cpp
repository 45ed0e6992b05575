// Parsing of /proc/<pid>/uid_map and gid_map; tests in security_test.cpp.
#include "probes/common/id_map.hpp"

#include <limits>

#include "probes/common/text.hpp"

namespace capprobe::probes {
namespace {

constexpr std::uint64_t kIdLimit = std::numeric_limits<std::uint32_t>::max();

}  // namespace

std::optional<IdMap> parse_id_map(std::string_view text) {
  IdMap map;
  for (const auto& line : text::lines(text)) {
    const auto fields = text::split_whitespace(line);
    if (fields.empty()) continue;
    if (fields.size() != 3) return std::nullopt;
    const auto inside = text::parse_uint(fields[0]);
    const auto outside = text::parse_uint(fields[1]);
    const auto count = text::parse_uint(fields[2]);
    if (!inside || !outside || !count || *inside > kIdLimit || *outside > kIdLimit || *count == 0 ||
        *count > kIdLimit)
      return std::nullopt;
    map.push_back({*inside, *outside, *count});
  }
  return map;
}

std::optional<std::uint64_t> map_id(const IdMap& map, std::uint64_t inside) {
  for (const auto& range : map)
    if (inside >= range.inside && inside - range.inside < range.count)
      return range.outside + (inside - range.inside);
  return std::nullopt;
}

bool is_identity_id_map(const IdMap& map) {
  return map.size() == 1 && map.front() == IdMapRange{0, 0, kIdLimit};
}

}  // namespace capprobe::probes
