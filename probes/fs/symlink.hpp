// fs.symlink: facts and verdict, split so the verdict can be tested as a table.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <vector>

#include "probes/probe.hpp"

namespace capprobe::probes::fs {

// The four link kinds, in the order of the evidence keys.
inline constexpr std::array<const char*, 4> kLinkKinds = {"file_absolute", "file_relative",
                                                          "dir_absolute", "dir_relative"};

struct SymlinkLocation {
  std::string path;  // the writable place the private dir was made in
  // Per kind: "ok", an errno name ("EPERM", "EOPNOTSUPP"), "not_created", "not_followable" or
  // "stored_as_file".
  std::array<std::string, 4> outcome;
  std::array<std::string, 4> detail;  // why, when not ok ("read_through: ELOOP"); empty when ok
};

struct SkippedPlace {
  std::string path;
  // "make_private_dir: EACCES", "out of time", "timed out after 1000 ms (...)", "over the limit
  // of 16 places", "the pod asked for it read-only", "a hostPath volume from the node"...
  std::string reason;
};

struct SymlinkFacts {
  std::vector<SymlinkLocation> locations;
  std::vector<SkippedPlace> skipped;          // places where no link was tried, and why
  std::vector<std::string> cleanup_failures;  // "path: errno" of anything left behind
  std::optional<int> protected_symlinks;      // /proc/sys/fs/protected_symlinks
  std::optional<std::string> mountinfo_error;
};

SymlinkFacts collect_symlink_facts(ProbeContext& ctx);
CapabilityResult judge_symlink(const SymlinkFacts& facts);

}  // namespace capprobe::probes::fs
