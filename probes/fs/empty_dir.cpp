// fs.empty_dir: the catalog entry, the collector over a mount table and the judge; see
// empty_dir.hpp.
#include "probes/fs/empty_dir.hpp"

#include <algorithm>

#include "probes/common/json.hpp"
#include "probes/common/judge.hpp"
#include "probes/common/text.hpp"
#include "probes/common/worker.hpp"
#include "probes/fs/mount_places.hpp"

namespace capprobe::probes::fs {
namespace {

constexpr std::uint64_t kTmpfsMagic = 0x01021994;
// A tmpfs's size is whole pages: a limit it is within this much of is its size.
constexpr std::uint64_t kSizeSlack = 64 * 1024;
constexpr std::size_t kMaxVolumes = 8;

const Mount* mount_at(const std::vector<Mount>* mounts, const std::string& path) {
  if (mounts == nullptr || path.empty()) return nullptr;
  for (const auto& mount : *mounts)
    if (mount.mount_point == path) return &mount;
  return nullptr;
}

std::string mib(std::uint64_t bytes) {
  const auto tenths = bytes * 10 / (1ull << 20);
  return std::to_string(tenths / 10) + (tenths % 10 ? "." + std::to_string(tenths % 10) : "") +
         " MiB";
}

struct Examined {
  bool present = false;
  std::optional<platform::FsInfo> fs;
  std::optional<std::string> write_errno;
  std::optional<std::string> remove_errno;
  std::optional<std::uint64_t> trial_written;
  std::optional<std::string> trial_stopped_by;
};

// On a worker: the volume may hang. `trial_bytes` 0: no limit trial.
Examined examine(platform::Platform& os, const std::string& path, const std::string& small_file,
                 const std::string& trial_file, bool write, std::uint64_t trial_bytes,
                 const std::string& content) {
  Examined seen;
  seen.present = os.link_info(path).ok();
  if (!seen.present) return seen;
  if (const auto fs = os.fs_info(path)) seen.fs = fs.value();
  if (!write) return seen;
  if (const auto made = os.create_file_exclusive(small_file, content); !made) {
    seen.write_errno = made.error().name;
    return seen;
  }
  if (const auto removed = os.remove(small_file); !removed)
    seen.remove_errno = removed.error().name;
  if (trial_bytes == 0) return seen;
  const auto filled = os.fill_file(trial_file, trial_bytes);
  if (!filled) {
    seen.trial_stopped_by = filled.error().name;
    seen.trial_written = 0;
    return seen;
  }
  seen.trial_written = filled.value().written;
  if (filled.value().stopped_by) seen.trial_stopped_by = filled.value().stopped_by->name;
  if (const auto removed = os.remove(trial_file); !removed && !seen.remove_errno)
    seen.remove_errno = removed.error().name;
  return seen;
}

}  // namespace

ProbeInfo empty_dir_info() {
  return {.id = "fs.empty_dir",
          .title = "emptyDir volumes: medium, sizeLimit, writable",
          .pod_spec_field = "volumes[].emptyDir (medium, sizeLimit)",
          .scope = SpecScope::container,
          .platforms = {"linux", "windows"},
          .timeout = std::chrono::milliseconds(5000)};
}

std::string limit_enforcement(const EmptyDirVolume& volume) {
  if (!volume.size_limit) return "";
  if (volume.medium_seen == "disk") return "eviction";
  if (volume.medium_seen != "memory" || !volume.fs_total_bytes) return "unknown";
  return *volume.fs_total_bytes <= *volume.size_limit + kSizeSlack ? "filesystem"
                                                                   : "not_by_filesystem";
}

EmptyDirFacts collect_empty_dir_facts(ProbeContext& ctx, const std::vector<Mount>* mounts) {
  EmptyDirFacts facts;
  facts.mount_table = mounts != nullptr;
  const auto& requests = ctx.requests;
  if (requests.empty_dirs) {
    bool asked = false;
    for (const auto& volume : *requests.empty_dirs) {
      if (volume.mount_path.empty()) continue;  // another container's
      asked = asked || volume.medium == "Memory" || volume.size_limit_bytes.has_value();
      EmptyDirVolume entry;
      entry.volume = volume.volume;
      entry.mount_path = volume.mount_path;
      entry.origin = "pod_spec";
      entry.medium_asked = volume.medium;
      entry.size_limit = volume.size_limit_bytes;
      entry.read_only_asked = volume.read_only;
      entry.sub_path = volume.sub_path;
      facts.volumes.push_back(std::move(entry));
    }
    if (requests.volume_mounts) facts.requested = requested_when(asked, requests);
    if (asked && !requests.volume_mounts) facts.requested = std::nullopt;
  } else if (mounts != nullptr) {
    // No pod spec: kubelet's disk emptyDirs show by their root. A memory one is a whole tmpfs,
    // which nothing tells from any other.
    for (const auto& mount : *mounts)
      if (mount.root.find("/volumes/kubernetes.io~empty-dir/") != std::string::npos) {
        EmptyDirVolume entry;
        entry.mount_path = mount.mount_point;
        entry.origin = "mountinfo";
        facts.volumes.push_back(std::move(entry));
      }
  }
  if (facts.volumes.size() > kMaxVolumes) facts.volumes.resize(kMaxVolumes);

  Worker worker;
  auto& os = ctx.os;
  for (auto& volume : facts.volumes) {
    if (const auto* mount = mount_at(mounts, volume.mount_path)) {
      volume.fs_type = mount->fs_type;
      volume.medium_seen = mount->fs_type == "tmpfs" ? "memory" : "disk";
    }
    bool write = true;
    if (volume.read_only_asked || asked_read_only(requests, volume.mount_path)) {
      volume.not_written = "the pod asked for it read-only: nothing is written";
      write = false;
    } else if (const auto* mount = mount_at(mounts, volume.mount_path);
               mount && mount_says_read_only(*mount)) {
      volume.not_written = "mounted read-only: nothing is written";
      write = false;
    }
    // The limit trial: only a memory volume sized by the filesystem, a small limit, and a pod
    // whose memory limit (when known) leaves room for it.
    std::uint64_t trial_bytes = 0;
    const auto small = join_path(volume.mount_path, ctx.scratch_name + "-emptydir");
    const auto trial = join_path(volume.mount_path, ctx.scratch_name + "-sizelimit");
    const auto limit = step_limit(ctx.place_timeout, ctx.deadline);
    const auto path = volume.mount_path;
    const auto content = ctx.scratch_name;
    auto first = worker.run(limit, [&os, path, small, trial, content] {
      return examine(os, path, small, trial, false, 0, content);
    });
    if (!first.done()) {
      volume.unanswered = first.why_not(limit);
      continue;
    }
    volume.present = first.value->present;
    if (first.value->fs) {
      volume.fs_total_bytes = first.value->fs->total_bytes;
      volume.fs_available_bytes = first.value->fs->available_bytes;
      // Without a mount table (Windows), the filesystem's own type says memory or not.
      if (!volume.medium_seen && !facts.mount_table)
        if (first.value->fs->fs_magic == kTmpfsMagic) volume.medium_seen = "memory";
    }
    if (!volume.present) continue;
    if (volume.size_limit) {
      const auto enforcement = limit_enforcement(volume);
      if (!write) {
        volume.trial_skipped = "nothing may be written here";
      } else if (enforcement == "eviction") {
        volume.trial_skipped =
            "a disk emptyDir's limit is the kubelet's eviction: writing past it would get the pod "
            "evicted";
      } else if (enforcement != "filesystem") {
        volume.trial_skipped = "the filesystem is not sized to the limit (" + enforcement + ")";
      } else if (*volume.size_limit > kLimitTrialMaxLimit) {
        volume.trial_skipped = "the limit " + mib(*volume.size_limit) + " is above the " +
                               mib(kLimitTrialMaxLimit) + " a trial may write";
      } else if (requests.memory_limit_bytes &&
                 *requests.memory_limit_bytes < 4 * *volume.size_limit) {
        volume.trial_skipped = "the container's memory limit " + mib(*requests.memory_limit_bytes) +
                               " leaves too little room for a write into memory";
      } else if (ctx.quick) {
        volume.trial_skipped = "--quick: no limit trial";
      } else {
        trial_bytes = volume.fs_available_bytes.value_or(0) + kLimitTrialMargin;
        // Never more than the limit and the margin.
        trial_bytes = std::min(trial_bytes, *volume.size_limit + kLimitTrialMargin);
        volume.trial_bytes = trial_bytes;
      }
    }
    if (!write) continue;
    const auto step = step_limit(ctx.place_timeout, ctx.deadline);
    auto done = worker.run(step, [&os, path, small, trial, trial_bytes, content] {
      return examine(os, path, small, trial, true, trial_bytes, content);
    });
    if (!done.done()) {
      volume.unanswered = done.why_not(step);
      continue;
    }
    volume.write_errno = done.value->write_errno;
    volume.remove_errno = done.value->remove_errno;
    volume.trial_written = done.value->trial_written;
    volume.trial_stopped_by = done.value->trial_stopped_by;
  }
  return facts;
}

CapabilityResult judge_empty_dir(const EmptyDirFacts& facts) {
  CapabilityResult result;
  result.id = "fs.empty_dir";
  result.requested = facts.requested;
  auto& evidence = result.evidence;
  evidence["volumes"] = nlohmann::json::array();
  evidence["trial_margin_bytes"] = kLimitTrialMargin;
  evidence["trial_max_limit_bytes"] = kLimitTrialMaxLimit;
  std::vector<std::string> missing, medium_ignored, not_writable, limit_ignored, enforced,
      unanswered, fine;
  for (const auto& volume : facts.volumes) {
    const auto enforcement = limit_enforcement(volume);
    nlohmann::json entry{
        {"volume", volume.volume.empty() ? nlohmann::json() : nlohmann::json(volume.volume)},
        {"mount_path", volume.mount_path},
        {"origin", volume.origin},
        {"medium_asked", volume.medium_asked},
        {"medium_seen", json_or_null(volume.medium_seen)},
        {"fs_type", json_or_null(volume.fs_type)},
        {"size_limit_bytes", json_or_null(volume.size_limit)},
        {"fs_total_bytes", json_or_null(volume.fs_total_bytes)},
        {"limit_enforcement", enforcement.empty() ? nlohmann::json() : nlohmann::json(enforcement)},
        {"present", volume.present},
        {"writable", volume.not_written || volume.unanswered || !volume.present
                         ? nlohmann::json()
                         : nlohmann::json(!volume.write_errno)}};
    if (volume.write_errno) entry["write_errno"] = *volume.write_errno;
    if (volume.not_written) entry["not_written"] = *volume.not_written;
    if (volume.trial_skipped) entry["trial_skipped"] = *volume.trial_skipped;
    if (volume.trial_bytes) entry["trial_bytes"] = *volume.trial_bytes;
    if (volume.trial_written) entry["trial_written"] = *volume.trial_written;
    if (volume.trial_stopped_by) entry["trial_stopped_by"] = *volume.trial_stopped_by;
    if (volume.remove_errno) entry["remove_errno"] = *volume.remove_errno;
    if (volume.unanswered) entry["unanswered"] = *volume.unanswered;
    evidence["volumes"].push_back(entry);

    const auto name = volume.mount_path + (volume.volume.empty() ? "" : " (" + volume.volume + ")");
    if (volume.unanswered) {
      unanswered.push_back(name + ": " + *volume.unanswered);
      continue;
    }
    if (!volume.present) {
      missing.push_back(name);
      continue;
    }
    if (volume.medium_asked == "Memory" && volume.medium_seen == "disk") {
      medium_ignored.push_back(name + " is " + volume.fs_type.value_or("disk"));
      continue;
    }
    if (volume.write_errno) {
      not_writable.push_back(name + ": " + *volume.write_errno);
      continue;
    }
    // A trial that wrote past the free space without an error: the limit did not hold.
    const bool trial_passed_limit =
        volume.trial_written && volume.trial_bytes && !volume.trial_stopped_by;
    if (enforcement == "not_by_filesystem" || trial_passed_limit) {
      limit_ignored.push_back(
          name + ": sizeLimit " + mib(*volume.size_limit) +
          (trial_passed_limit ? ", yet " + mib(*volume.trial_written) + " were written"
                              : ", but its tmpfs holds " + mib(volume.fs_total_bytes.value_or(0))));
      continue;
    }
    if (enforcement == "filesystem") {
      enforced.push_back(name + ": sizeLimit " + mib(*volume.size_limit) +
                         (volume.trial_stopped_by ? " (a write past the free space stopped with " +
                                                        *volume.trial_stopped_by + ")"
                                                  : " (the tmpfs's size)"));
      continue;
    }
    fine.push_back(name);
  }

  const bool asked = facts.requested == true;
  const auto ignored = [&](const std::string& field, const std::string& observed,
                           const std::string& seen) {
    if (asked) {
      mark_ignored(result, field, seen);
      result.observed = observed;
    } else {
      set_verdict(result, Status::unsupported, observed, text::capitalized(seen));
    }
  };
  if (facts.volumes.empty()) {
    set_verdict(
        result, Status::untested, "none",
        std::string("No emptyDir volume is mounted here") +
            (facts.requested == false ? " (the pod spec mounts none in this container)" : "") +
            ": nothing shows how emptyDir volumes behave");
  } else if (!missing.empty()) {
    ignored("an emptyDir volume", "missing", "nothing is at " + text::join(missing));
  } else if (!medium_ignored.empty()) {
    ignored("emptyDir.medium: Memory", "medium_ignored",
            "memory-backed emptyDir on disk: " + text::join(medium_ignored));
  } else if (!not_writable.empty()) {
    set_verdict(result, Status::unsupported, "not_writable",
                "The emptyDir volumes cannot be written: " + text::join(not_writable));
  } else if (!limit_ignored.empty()) {
    // The volume works; its limit is at most the kubelet's eviction.
    set_verdict(result, Status::partial, "size_unenforced",
                "The emptyDir sizeLimit is not the filesystem's (at most the kubelet's eviction "
                "enforces it): " +
                    text::join(limit_ignored, "; "));
  } else if (!unanswered.empty()) {
    set_verdict(result, Status::untested, "unanswered",
                "The emptyDir volumes did not answer: " + text::join(unanswered, "; "));
  } else if (!enforced.empty()) {
    set_verdict(result, Status::supported, "size_enforced",
                "The emptyDir volumes are writable and their sizeLimit is enforced: " +
                    text::join(enforced, "; ") +
                    (fine.empty() ? "" : "; also writable: " + text::join(fine)));
  } else {
    std::vector<std::string> media;
    for (const auto& volume : facts.volumes)
      media.push_back(volume.mount_path + " " + volume.medium_seen.value_or("medium unknown") +
                      (volume.not_written ? " (not written: read-only)" : ""));
    set_verdict(result, Status::supported, "writable",
                "The emptyDir volumes are there as asked: " + text::join(media));
  }
  return result;
}

}  // namespace capprobe::probes::fs
