// The id maps of a user namespace, /proc/<pid>/uid_map and gid_map (user_namespaces(7)): which
// ids inside the namespace are which ids outside it. Pure parsing; security.identity and
// security.capabilities read them through probes/security/user_namespace.hpp.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace capprobe::probes {

// `count` ids from `inside` in the namespace are the ids from `outside` in the namespace
// outside it (for the process itself reading its own map: the parent user namespace).
struct IdMapRange {
  std::uint64_t inside = 0;
  std::uint64_t outside = 0;
  std::uint64_t count = 0;

  bool operator==(const IdMapRange&) const = default;
};
using IdMap = std::vector<IdMapRange>;

// One range a line, three %10u fields as the kernel prints them:
//   "         0      65534          1\n"   `unshare --user --map-root-user` run by nobody
//   "         0 1879048192      65536\n"   a Kubernetes pod with hostUsers: false
//   "         0          0 4294967295\n"   the kernel's initial user namespace
// An empty file is an empty map: a namespace whose map was never written (`unshare --user`
// alone). nullopt when a line is not three 32-bit numbers with a count of at least 1.
std::optional<IdMap> parse_id_map(std::string_view text);

// The outside id of `inside`; nullopt when no range maps it.
std::optional<std::uint64_t> map_id(const IdMap& map, std::uint64_t inside);

// "0 0 4294967295", every id itself: the initial user namespace's map. A child namespace may be
// given the same map by root, so it does not prove the initial namespace; any other map proves
// a child.
bool is_identity_id_map(const IdMap& map);

}  // namespace capprobe::probes
