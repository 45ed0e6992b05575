// Linux capability numbers and names (capability.h, capabilities(7)): decoding the hex sets of
// /proc/self/status into names and reading the names a pod spec uses.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace capprobe::probes::caps {

// CAP_CHECKPOINT_RESTORE (Linux 5.9) is the highest capability this build knows by name.
inline constexpr int kLastKnownCap = 40;

// "CAP_CHOWN" for 0 ... "CAP_CHECKPOINT_RESTORE" for 40, "CAP_<n>" for a bit we have no name for.
std::string name_of(int bit);

// The names of the bits set in `set`, lowest bit first.
std::vector<std::string> names_of(std::uint64_t set);

// The bit of a capability named as in a pod spec ("NET_ADMIN") or as the kernel does
// ("CAP_NET_ADMIN", "cap_net_admin", "CAP_45"); nullopt for a name we do not know.
std::optional<int> bit_of(std::string_view name);

// Bits 0..last_cap.
std::uint64_t full_set(int last_cap);

// The 14 capabilities Docker and containerd grant a container by default (moby's
// oci/caps/defaults.go, containerd's oci.defaultUnixCaps): 0x00000000a80425fb.
std::uint64_t container_default_set();

}  // namespace capprobe::probes::caps
