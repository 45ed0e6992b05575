// The lines of /proc/self/status (proc(5)) that probes read: user and group ids, supplementary
// groups, capability sets, NoNewPrivs, seccomp (security.*), VmSize (the memory trial's address
// space backstop) and Mems_allowed_list (topology.numa). One parser for every reader.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "platform/platform.hpp"

namespace capprobe::probes {

// "Uid:\t1000\t1000\t1000\t1000": real, effective, saved set, filesystem.
struct IdSet {
  std::int64_t real = 0;
  std::int64_t effective = 0;
  std::int64_t saved = 0;
  std::int64_t fs = 0;
};

// A field is nullopt when its line is missing or malformed: older kernels lack CapAmb (4.3),
// NoNewPrivs (4.10) and Seccomp_filters (5.9); kernels without CONFIG_SECCOMP lack Seccomp.
struct ProcStatus {
  std::optional<IdSet> uid;
  std::optional<IdSet> gid;
  std::optional<std::vector<std::int64_t>> groups;
  std::optional<std::uint64_t> cap_inheritable;
  std::optional<std::uint64_t> cap_permitted;
  std::optional<std::uint64_t> cap_effective;
  std::optional<std::uint64_t> cap_bounding;
  std::optional<std::uint64_t> cap_ambient;
  std::optional<bool> no_new_privs;
  std::optional<int> seccomp;                    // 0 disabled, 1 strict, 2 filter
  std::optional<int> seccomp_filters;            // filters attached in filter mode
  std::optional<std::uint64_t> vm_size_bytes;    // VmSize: this process's address space
  std::optional<std::vector<int>> mems_allowed;  // Mems_allowed_list: the memory nodes it may use
};

ProcStatus parse_proc_status(std::string_view text);

// A "Key: N kB" line of /proc/meminfo or /proc/self/status, in bytes (a value without the kB
// unit, such as HugePages_Total, as it stands); nullopt when the key is missing or malformed.
std::optional<std::uint64_t> kib_field(std::string_view text, const std::string& key);

inline constexpr const char* kProcStatusPath = "/proc/self/status";

// Reads and parses /proc/self/status; the read error (ENOENT: no /proc, EACCES) as a value.
platform::Result<ProcStatus> read_proc_status(const platform::Platform& os);

}  // namespace capprobe::probes
