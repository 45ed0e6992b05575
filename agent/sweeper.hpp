// Removes what crashed earlier runs left behind (DESIGN.md "No residue ... also after a crash on
// the next start"): entries named ".capprobe-<pid>-..." whose process is gone.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "platform/platform.hpp"
#include "probes/fs/mount_places.hpp"
#include "probes/requests.hpp"

namespace capprobe::agent {

// The pid in a scratch name ".capprobe-<pid>-<rest>", or nullopt when `name` is not one.
std::optional<int> scratch_pid(std::string_view name);

// Whether an entry is a dead run's residue. The age guard protects a live capprobe in another
// PID namespace that shares the volume: its pid means nothing here, but its files are fresh.
// Our own pid counts as dead: this runs before we create anything, so an entry with our pid is
// an earlier process's (in a container, every run may be pid 1).
struct ResidueFacts {
  std::string name;
  int own_pid = 0;
  bool pid_alive = false;
  std::int64_t modified_unix = 0;
  std::int64_t now_unix = 0;
};
bool is_stale_residue(const ResidueFacts& facts, std::chrono::seconds min_age);

// The directories probes write in: the temp dir, "/", "/etc" and "/var/tmp" (fs.readonly_root's
// write tests), the writable volumes that fs.symlink may write in (probes::fs::write_places, the
// one list both use), then `extra`. On Windows (sweep_places_windows.cpp; Linux's in
// sweep_places_linux.cpp) the temp dir, the system drive's root and win_write_places, then `extra`
// (the directories of -o and --nfd-file, whose temp files are named like scratch entries). Places
// the pod asked to be read-only are not swept: removing is writing too. Nothing here touches the
// places themselves: one of them may be a hung mount.
struct SweepPlaces {
  std::vector<std::string> places;
  std::vector<std::string> over_limit;  // writable volumes past the limit of write_places
};
SweepPlaces sweep_places(const platform::Platform& os, const probes::PodRequests& requests = {},
                         const std::vector<std::string>& extra = {});

// The order both OSes sweep in, since the sweep has a time budget: the temp dir (the first of
// `writable`) and the root's places (`fixed`) first, then the other writable places, then
// `extra`. `add` drops what is asked read-only or already listed; a place off limits for being
// over write_places' limit is kept in `over_limit`, to be named.
void order_sweep_places(const std::vector<probes::fs::WritePlace>& writable,
                        const std::vector<std::string>& fixed,
                        const std::vector<std::string>& extra,
                        const std::function<void(const std::string&)>& add, SweepPlaces& found);

struct SweepOutcome {
  std::vector<std::string> removed;     // full paths
  std::vector<std::string> failed;      // "path: ERRNO"
  std::vector<std::string> not_swept;   // "place: why": it did not answer in time
  std::vector<std::string> over_limit;  // writable volumes past the limit
};

// A place's filesystem may hang (NFS, FUSE, CSI): each place is swept on a worker thread that
// is abandoned after `per_place`, and the whole sweep takes at most `total`.
struct SweepLimits {
  std::chrono::milliseconds per_place{1000};
  std::chrono::milliseconds total{3000};
};

inline constexpr std::chrono::seconds kResidueMinAge{10 * 60};

struct SweepScope {
  probes::PodRequests requests;    // what the pod asked read-only is left alone
  std::vector<std::string> extra;  // more directories to sweep (-o's, --nfd-file's)
  std::chrono::seconds min_age = kResidueMinAge;
  SweepLimits limits;
};

SweepOutcome sweep_residue(platform::Platform& os, const SweepScope& scope = {});

// Logs what a sweep did: removals at info, failures and hung places at warn.
void log_sweep(const SweepOutcome& outcome);

}  // namespace capprobe::agent
