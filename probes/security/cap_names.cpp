// The capability name table; the numbers are kernel ABI and never change.
#include "probes/security/cap_names.hpp"

#include <array>
#include <cctype>

#include "probes/common/text.hpp"

namespace capprobe::probes::caps {
namespace {

constexpr std::array<std::string_view, kLastKnownCap + 1> kNames = {
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_DAC_READ_SEARCH",
    "CAP_FOWNER",
    "CAP_FSETID",
    "CAP_KILL",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETPCAP",
    "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",
    "CAP_NET_RAW",
    "CAP_IPC_LOCK",
    "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",
    "CAP_SYS_RAWIO",
    "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",
    "CAP_SYS_ADMIN",
    "CAP_SYS_BOOT",
    "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME",
    "CAP_SYS_TTY_CONFIG",
    "CAP_MKNOD",
    "CAP_LEASE",
    "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL",
    "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",
    "CAP_MAC_ADMIN",
    "CAP_SYSLOG",
    "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",
    "CAP_AUDIT_READ",
    "CAP_PERFMON",
    "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
};

constexpr std::array<int, 14> kContainerDefault = {
    0,   // CHOWN
    1,   // DAC_OVERRIDE
    3,   // FOWNER
    4,   // FSETID
    5,   // KILL
    6,   // SETGID
    7,   // SETUID
    8,   // SETPCAP
    10,  // NET_BIND_SERVICE
    13,  // NET_RAW
    18,  // SYS_CHROOT
    27,  // MKNOD
    29,  // AUDIT_WRITE
    31,  // SETFCAP
};

}  // namespace

std::string name_of(int bit) {
  if (bit >= 0 && bit <= kLastKnownCap) return std::string(kNames[static_cast<std::size_t>(bit)]);
  return "CAP_" + std::to_string(bit);
}

std::vector<std::string> names_of(std::uint64_t set) {
  std::vector<std::string> names;
  for (int bit = 0; bit < 64; ++bit)
    if (set & (std::uint64_t{1} << bit)) names.push_back(name_of(bit));
  return names;
}

std::optional<int> bit_of(std::string_view name) {
  std::string upper;
  for (const char c : text::trim(name))
    upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (!text::starts_with(upper, "CAP_")) upper = "CAP_" + upper;
  for (std::size_t bit = 0; bit < kNames.size(); ++bit)
    if (kNames[bit] == upper) return static_cast<int>(bit);
  // The kernel's own spelling of a capability newer than this table.
  if (const auto number = text::parse_int(std::string_view(upper).substr(4));
      number && *number >= 0 && *number < 64)
    return static_cast<int>(*number);
  return std::nullopt;
}

std::uint64_t full_set(int last_cap) {
  if (last_cap < 0) return 0;
  if (last_cap >= 63) return ~std::uint64_t{0};
  return (std::uint64_t{1} << (last_cap + 1)) - 1;
}

std::uint64_t container_default_set() {
  std::uint64_t set = 0;
  for (const int bit : kContainerDefault) set |= std::uint64_t{1} << bit;
  return set;
}

}  // namespace capprobe::probes::caps
