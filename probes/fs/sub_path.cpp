// fs.subpath: the catalog entry, the collector over a mount table and the judge; see
// sub_path.hpp.
#include "probes/fs/sub_path.hpp"

#include <algorithm>

#include "probes/common/json.hpp"
#include "probes/common/judge.hpp"
#include "probes/common/text.hpp"
#include "probes/common/worker.hpp"
#include "probes/fs/mount_places.hpp"

namespace capprobe::probes::fs {
namespace {

constexpr std::size_t kMaxSubPaths = 8;

// The part of `root` below `ancestor` ("/a/b/c" below "/a" is "b/c"; below "/" it is "a/b/c").
std::string below(const std::string& root, const std::string& ancestor) {
  if (ancestor == "/") return root.substr(1);
  return root.size() > ancestor.size() ? root.substr(ancestor.size() + 1) : std::string();
}

// Not a volume's piece: the container's root, kernel plumbing, the runtime's single files and
// the service-account directory.
bool may_be_sub_path(const Mount& mount) {
  return mount.mount_point != "/" && mount.root != "/" && !is_pseudo_fs(mount.fs_type) &&
         !is_system_mount_point(mount.mount_point) && !is_kubelet_file(mount.mount_point) &&
         !at_or_under(mount.mount_point, "/var/run/secrets") &&
         !at_or_under(mount.mount_point, "/run/secrets");
}

// Another mount of the same filesystem whose root is a proper ancestor of `mount`'s: the volume
// seen whole (or a larger piece of it). Never a hostPath-like mount of the node: one node
// directory inside another is no subPath.
const Mount* whole_view(const Mount& mount, const std::vector<Mount>& mounts) {
  const Mount* best = nullptr;
  for (const auto& other : mounts) {
    if (&other == &mount || other.mount_point == "/" || other.device != mount.device) continue;
    if (other.root == mount.root || !at_or_under(mount.root, other.root)) continue;
    if (is_pseudo_fs(other.fs_type) || is_system_mount_point(other.mount_point) ||
        is_kubelet_file(other.mount_point) || is_host_path_mount(other, mounts))
      continue;
    if (best == nullptr || other.root.size() > best->root.size()) best = &other;
  }
  return best;
}

// Kubelet's subPath binds show the volume's directory with more below it:
// .../volumes/kubernetes.io~<plugin>/<volume>/<sub...>. Returns <sub...>, or "" when not one.
std::string kubelet_sub_path(const std::string& root) {
  const auto at = root.find("/volumes/kubernetes.io~");
  if (at == std::string::npos) return "";
  const auto parts = text::split(root.substr(at + 1), '/');
  // volumes, kubernetes.io~plugin, volume, sub...
  if (parts.size() < 4) return "";
  std::vector<std::string> sub(parts.begin() + 3, parts.end());
  return text::join(sub, "/");
}

const Mount* mount_at(const std::vector<Mount>* mounts, const std::string& path) {
  if (mounts == nullptr) return nullptr;
  for (const auto& mount : *mounts)
    if (mount.mount_point == path) return &mount;
  return nullptr;
}

struct Tried {
  bool present = false;
  std::optional<std::string> write_errno;
  std::optional<bool> seen;
  std::optional<std::string> remove_errno;
};

// On a worker (the volume may hang): is the mount there, and does a file written through it
// show at `expected` (empty: only whether it is there).
Tried try_mount(platform::Platform& os, const std::string& mount_path, const std::string& file,
                const std::string& expected, const std::string& content) {
  Tried tried;
  tried.present = os.link_info(mount_path).ok();
  if (!tried.present || expected.empty()) return tried;
  if (const auto made = os.create_file_exclusive(file, content); !made) {
    tried.write_errno = made.error().name;
    return tried;
  }
  const auto seen = os.read_through(expected, content.size() + 1);
  tried.seen = seen && seen.value() == content;
  if (const auto removed = os.remove(file); !removed) tried.remove_errno = removed.error().name;
  return tried;
}

void add_from_spec(const PodRequests& requests, const std::vector<Mount>* mounts,
                   SubPathFacts& facts) {
  if (!requests.sub_paths) return;
  for (const auto& asked : *requests.sub_paths) {
    SubPathMount entry;
    entry.mount_path = asked.mount_path;
    entry.origin = "pod_spec";
    entry.volume = asked.volume;
    entry.sub_path = asked.sub_path;
    entry.expression = asked.expression;
    if (requests.volume_mounts)
      for (const auto& other : *requests.volume_mounts)
        if (other.volume == asked.volume && other.sub_path.empty() && !other.mount_path.empty()) {
          entry.view = other.mount_path;
          break;
        }
    if (const auto* mount = mount_at(mounts, asked.mount_path)) entry.mount_root = mount->root;
    facts.mounts.push_back(std::move(entry));
  }
}

void add_from_mount_table(const std::vector<Mount>& mounts, SubPathFacts& facts, bool spec_speaks) {
  for (const auto& mount : mounts) {
    if (!may_be_sub_path(mount)) continue;
    const auto known = std::find_if(facts.mounts.begin(), facts.mounts.end(), [&](const auto& m) {
      return m.mount_path == mount.mount_point;
    });
    const auto* view = whole_view(mount, mounts);
    if (known != facts.mounts.end()) {
      // The spec's entry: mountinfo may still show where the volume is seen whole.
      if (!known->view && view != nullptr) known->view = view->mount_point;
      continue;
    }
    // With a pod spec, only its subPaths count: a mount table cannot tell a subPath from a
    // hostPath of a node directory below another.
    if (spec_speaks) continue;
    const auto kubelet = kubelet_sub_path(mount.root);
    if (view == nullptr && kubelet.empty()) continue;
    SubPathMount entry;
    entry.mount_path = mount.mount_point;
    entry.origin = "mountinfo";
    entry.sub_path = view != nullptr ? below(mount.root, view->root) : kubelet;
    entry.mount_root = mount.root;
    if (view != nullptr) entry.view = view->mount_point;
    facts.mounts.push_back(std::move(entry));
  }
}

// Why nothing may be written through `entry`, or nullopt.
std::optional<std::string> off_limits(const SubPathMount& entry, const PodRequests& requests,
                                      const std::vector<Mount>* mounts) {
  if (asked_read_only(requests, entry.mount_path))
    return "the pod asked for it read-only: nothing is written";
  if (asked_host_path(requests, entry.mount_path)) return "a hostPath volume: nothing is written";
  if (const auto* mount = mount_at(mounts, entry.mount_path); mount && mount_says_read_only(*mount))
    return "mounted read-only: nothing is written";
  // Without a pod spec, a mount table's guess never leads to a write onto the node: only into a
  // kubelet-managed volume or a piece of a tmpfs (a memory volume).
  if (entry.origin == "mountinfo" && mounts != nullptr) {
    if (runs_on_node(*mounts)) return "capprobe runs on the node: nothing is written";
    if (const auto* mount = mount_at(mounts, entry.mount_path);
        mount && is_node_filesystem(*mount) && !is_kubelet_managed(*mount))
      return "a directory of the node's disk that no pod spec names: nothing is written";
  }
  if (!entry.view)
    return "the volume shows nowhere else in this container: there is no place to compare with";
  if (entry.expression && entry.sub_path.find("$(") != std::string::npos)
    return "subPathExpr with variables: where the file should show is not known";
  return std::nullopt;
}

}  // namespace

ProbeInfo sub_path_info() {
  return {.id = "fs.subpath",
          .title = "Volumes mounted through a subPath",
          .pod_spec_field = "volumeMounts[].subPath, volumeMounts[].subPathExpr",
          .scope = SpecScope::container,
          .platforms = {"linux", "windows"},
          .timeout = std::chrono::milliseconds(4000)};
}

std::string sub_path_state(const SubPathMount& mount) {
  if (mount.unanswered) return "unanswered";
  if (!mount.present) return "missing";
  if (mount.write_errno) return "write_failed";
  if (mount.seen_at_view == true) return "consistent";
  if (mount.seen_at_view == false) return "inconsistent";
  return "mounted";
}

SubPathFacts collect_sub_path_facts(ProbeContext& ctx, const std::vector<Mount>* mounts) {
  SubPathFacts facts;
  facts.mount_table = mounts != nullptr;
  const auto& requests = ctx.requests;
  if (requests.sub_paths) facts.requested = requested_when(!requests.sub_paths->empty(), requests);
  add_from_spec(requests, mounts, facts);
  if (mounts != nullptr) add_from_mount_table(*mounts, facts, requests.sub_paths.has_value());
  if (facts.mounts.size() > kMaxSubPaths) facts.mounts.resize(kMaxSubPaths);

  Worker worker;
  auto& os = ctx.os;
  for (auto& entry : facts.mounts) {
    entry.not_written = off_limits(entry, requests, mounts);
    const auto name = ctx.scratch_name + "-subpath";
    const auto file = join_path(entry.mount_path, name);
    const auto expected =
        entry.not_written
            ? std::string()
            : join_path(
                  entry.sub_path.empty() ? *entry.view : join_path(*entry.view, entry.sub_path),
                  name);
    const auto limit = step_limit(ctx.place_timeout, ctx.deadline);
    const auto content = ctx.scratch_name;
    const auto mount_path = entry.mount_path;
    const auto tried = worker.run(limit, [&os, mount_path, file, expected, content] {
      return try_mount(os, mount_path, file, expected, content);
    });
    if (!tried.done()) {
      entry.unanswered = tried.why_not(limit);
      continue;
    }
    entry.present = tried.value->present;
    entry.write_errno = tried.value->write_errno;
    entry.seen_at_view = tried.value->seen;
    entry.remove_errno = tried.value->remove_errno;
  }
  return facts;
}

CapabilityResult judge_sub_path(const SubPathFacts& facts) {
  CapabilityResult result;
  result.id = "fs.subpath";
  result.requested = facts.requested;
  auto& evidence = result.evidence;
  evidence["mounts"] = nlohmann::json::array();
  std::vector<std::string> missing, inconsistent, consistent, mounted, failed, unanswered;
  for (const auto& mount : facts.mounts) {
    const auto state = sub_path_state(mount);
    nlohmann::json entry{
        {"mount_path", mount.mount_path},
        {"origin", mount.origin},
        {"volume", mount.volume.empty() ? nlohmann::json() : nlohmann::json(mount.volume)},
        {"sub_path", mount.sub_path},
        {"expression", mount.expression},
        {"mount_root", json_or_null(mount.mount_root)},
        {"view", json_or_null(mount.view)},
        {"state", state}};
    if (mount.not_written) entry["not_written"] = *mount.not_written;
    if (mount.write_errno) entry["write_errno"] = *mount.write_errno;
    if (mount.remove_errno) entry["remove_errno"] = *mount.remove_errno;
    if (mount.unanswered) entry["unanswered"] = *mount.unanswered;
    evidence["mounts"].push_back(entry);
    const auto text =
        mount.mount_path + (mount.sub_path.empty() ? "" : " (" + mount.sub_path + ")");
    if (state == "missing") missing.push_back(text);
    if (state == "inconsistent") inconsistent.push_back(text);
    if (state == "consistent") consistent.push_back(text);
    if (state == "mounted") mounted.push_back(text + ": " + mount.not_written.value_or(""));
    if (state == "write_failed") failed.push_back(text + ": " + *mount.write_errno);
    if (state == "unanswered") unanswered.push_back(text + ": " + *mount.unanswered);
  }
  evidence["mount_table"] = facts.mount_table;
  if (facts.mountinfo_error) evidence["mountinfo_error"] = *facts.mountinfo_error;

  if (facts.mounts.empty()) {
    set_verdict(result, Status::untested, "none",
                std::string("No volume is mounted through a subPath here") +
                    (facts.requested == false ? " (the pod spec asks for none)"
                     : facts.mount_table      ? " (none in the pod spec or the mount table)"
                                              : " (the pod spec names none)") +
                    ": nothing shows whether subPath mounts would work");
    return result;
  }
  const bool asked = facts.requested == true;
  if (!missing.empty()) {
    const auto seen = "nothing is mounted at " + text::join(missing);
    if (asked) {
      mark_ignored(result, "volumeMounts[].subPath", seen);
      result.observed = "missing";
    } else {
      set_verdict(result, Status::unsupported, "missing", text::capitalized(seen));
    }
    return result;
  }
  if (!inconsistent.empty()) {
    const auto seen = "a file written through " + text::join(inconsistent) +
                      " does not show in the volume's subdirectory (the mount is not that "
                      "subdirectory of the volume)";
    if (asked) {
      mark_ignored(result, "volumeMounts[].subPath", seen);
      result.observed = "inconsistent";
    } else {
      set_verdict(result, Status::unsupported, "inconsistent", text::capitalized(seen));
    }
    return result;
  }
  if (!consistent.empty()) {
    auto summary = "A file written through the subPath mount " + text::join(consistent) +
                   " shows in the volume's subdirectory, and was removed";
    if (!mounted.empty()) summary += "; not written through: " + text::join(mounted, "; ");
    set_verdict(result, Status::supported, "consistent", summary);
    return result;
  }
  if (!unanswered.empty() || !failed.empty()) {
    auto parts = unanswered;
    parts.insert(parts.end(), failed.begin(), failed.end());
    set_verdict(result, Status::untested, failed.empty() ? "unanswered" : "write_failed",
                "The subPath mounts are there but could not be written through: " +
                    text::join(parts, "; "));
    return result;
  }
  // Present, never written through. The mount table's root says it is a subdirectory where it
  // is one; otherwise only the mount's existence is known.
  const bool shown = std::all_of(facts.mounts.begin(), facts.mounts.end(), [](const auto& m) {
    return m.mount_root && *m.mount_root != "/";
  });
  set_verdict(result, shown ? Status::supported : Status::untested, "mounted",
              (shown ? std::string("The subPath mounts are binds of a volume's subdirectory "
                                   "(mount table), not written through: ")
                     : std::string("The subPath mounts are there, but nothing shows whether "
                                   "they are the volume's subdirectory: ")) +
                  text::join(mounted, "; "));
  return result;
}

}  // namespace capprobe::probes::fs
