// Shared helpers of the host.* probes and the isolation judgement: reading /proc/<pid>/ns links,
// the fixed inode numbers of the kernel's initial namespaces, and a bounded scan for node agents.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "platform/platform.hpp"

namespace capprobe::probes::ns {

// include/linux/proc_ns.h: ipc 0xEFFFFFFF, uts 0xEFFFFFFE, user 0xEFFFFFFD, pid 0xEFFFFFFC,
// cgroup 0xEFFFFFFB, time 0xEFFFFFFA. net and mnt have no fixed number on most kernels, so
// nullopt: those are compared with pid 1's link instead.
std::optional<std::uint64_t> initial_inode(std::string_view kind);
// The newest kernels fix net at 0xEFFFFFF9 and mnt at 0xEFFFFFF8 as well: a match proves the
// initial namespace, a mismatch proves nothing.
std::optional<std::uint64_t> newest_kernels_initial_inode(std::string_view kind);

struct NamespaceLink {
  std::string kind;                        // "pid", "net", "ipc", "uts"
  std::string process;                     // "self" or "1"
  std::string link;                        // "pid:[4026531836]"; empty when unreadable
  std::optional<std::uint64_t> inode;      // parsed from link
  std::optional<platform::OsError> error;  // why the link could not be read

  bool readable() const { return inode.has_value(); }
  // True/false when the kind has a fixed initial inode and the link was read; else nullopt.
  std::optional<bool> initial() const;
  bool denied() const { return error && error->is_denied(); }
  // The link, or null when unreadable: the value of the evidence key `namespace`.
  nlohmann::json json() const;
};

// "pid:[4026531836]" -> 4026531836, when the prefix names `kind`; nullopt otherwise.
std::optional<std::uint64_t> parse_namespace_link(std::string_view link, std::string_view kind);

// readlink /proc/<process>/ns/<kind>.
NamespaceLink read_namespace(const platform::Platform& os, std::string_view process,
                             std::string_view kind);

// One sentence saying why a link could not be read and what would be needed to read it.
std::string unreadable_reason(const NamespaceLink& link);

// Processes that run only on the node itself: seeing one means seeing the node's processes.
// comm is cut at 15 characters, so names are compared whole.
const std::vector<std::string>& node_agent_names();

inline constexpr std::size_t kScanLimit = 4096;

struct ProcessScan {
  std::vector<std::string> node_agents;    // distinct node agents seen, sorted
  std::optional<std::string> pid1_comm;    // nullopt when /proc/1/comm is unreadable
  int processes_seen = 0;                  // numeric /proc entries whose comm was read
  bool truncated = false;                  // stopped at the bound before the end of /proc
  std::optional<platform::OsError> error;  // /proc itself could not be listed

  bool complete() const { return !error && !truncated; }
  nlohmann::json json() const;
};

// Reads /proc/<n>/comm for at most `limit` numeric entries of /proc.
ProcessScan scan_processes(const platform::Platform& os, std::size_t limit = kScanLimit);

}  // namespace capprobe::probes::ns
