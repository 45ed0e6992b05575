// fs.symlink, what both OSes share: the catalog entry, the facts of each place, the verdict (a
// pure function, tested as a table) and the work in one place that both collectors do. Each OS's
// collector is symlink_<os>.cpp (symlink_<os>.hpp for its own facts and judge).
#pragma once

#include <array>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "probes/fs/mount_places.hpp"
#include "probes/probe.hpp"

namespace capprobe::probes::fs {

// The four link kinds, in the order of the evidence keys.
inline constexpr std::array<const char*, 4> kLinkKinds = {"file_absolute", "file_relative",
                                                          "dir_absolute", "dir_relative"};

struct SymlinkLocation {
  std::string path;  // the writable place the private dir was made in
  // Per kind: "ok", an errno or Win32 error name ("EPERM", "ERROR_PRIVILEGE_NOT_HELD"),
  // "not_created", "not_followable" or "stored_as_file".
  std::array<std::string, 4> outcome;
  std::array<std::string, 4> detail;  // why, when not ok ("read_through: ELOOP"); empty when ok
  // Facts of this place only one OS has (Windows: what each link gave with and without the
  // unprivileged flag, the junction, where the place itself leads), merged into its evidence.
  nlohmann::json extra = nlohmann::json::object();
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
  std::vector<std::string> cleanup_failures;  // "path: error" of anything left behind
};

ProbeInfo symlink_info();

// The verdict over the places: supported when every kind works everywhere, partial, unsupported
// when none works anywhere, untested when no place could be tried. The OS judges add their own
// facts to it.
CapabilityResult judge_symlink(const SymlinkFacts& facts);

// The kinds that work in `location`.
std::set<std::string> ok_kinds(const SymlinkLocation& location);

// --- the work in one place, for the OS collectors ---

// The names inside a place's private dir: the targets the links point at.
inline constexpr const char* kTargetFile = "target-file";
inline constexpr const char* kTargetDir = "target-dir";
inline constexpr const char* kInnerFile = "inner-file";

// What became of one link: "ok", or the failure word and why.
struct LinkCheck {
  std::string outcome = "ok";
  std::string detail;
  bool ok() const { return outcome == "ok"; }
};

// Whether a link's target reads back as written: equal on Linux; Windows folds case and
// separators and may add a \\?\ prefix.
using TargetMatch = std::function<bool(const std::string& written, const std::string& read)>;

// After a link reported success: is it really a link, with the target written, and can it be
// followed to the nonce (a file) or to kInnerFile (a directory)?
LinkCheck verify_link(const platform::Platform& os, const std::string& link,
                      const std::string& target, bool is_dir, const std::string& nonce,
                      const TargetMatch& same_target);

// What differs between the OSes in exercising a place.
struct PlaceRules {
  std::function<std::string(std::string_view dir, std::string_view name)> join = join_path;
  // Windows: a volume may itself be a link (to \\?\ContainerMappedDirectories\<GUID> on
  // WS2016-era builds); it is tried through the link, and where it leads is noted. Linux tries
  // only a place that is a directory itself.
  bool follow_place_link = false;
  // The links, once the private dir `dir` in `place` holds the targets. Runs on a worker: it
  // may capture only values.
  std::function<SymlinkLocation(platform::Platform& os, const std::string& place,
                                const std::string& dir, const std::string& nonce)>
      exercise;
};

// Every place in turn, each on a worker bounded by ctx.place_timeout, in a private dir named
// after the run that is removed afterwards; places off limits, over time or hung are skipped
// with the reason.
SymlinkFacts exercise_places(ProbeContext& ctx, const std::vector<WritePlace>& places,
                             const PlaceRules& rules);

}  // namespace capprobe::probes::fs
