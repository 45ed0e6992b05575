// topology.numa on Linux: the parsers of /sys/devices/system/node.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "probes/topology/numa.hpp"

namespace capprobe::probes {

// "node12" -> 12; nullopt for other entries of /sys/devices/system/node.
std::optional<int> node_id(std::string_view entry);
std::optional<std::uint64_t> parse_node_memtotal(std::string_view meminfo);

}  // namespace capprobe::probes
