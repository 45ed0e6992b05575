// fs.readonly_root: is "/" writable? The statvfs flag and the mount options are evidence; the
// verdict rests on a real write, because Kata's virtio-fs root has said "rw" while refusing writes.
#include "probes/fs/readonly_root.hpp"

#include "probes/common/json.hpp"
#include "probes/common/judge.hpp"
#include "probes/fs/mount_places.hpp"

namespace capprobe::probes::fs {
namespace {

// Creates `path` exclusively and removes it at once; both outcomes are facts.
WriteAttempt try_write(platform::Platform& os, const std::string& path,
                       const std::string& content) {
  WriteAttempt attempt;
  attempt.path = path;
  if (const auto made = os.create_file_exclusive(path, content); !made) {
    attempt.create_errno = made.error().name;
    return attempt;
  }
  if (const auto removed = os.remove(path); !removed) attempt.remove_errno = removed.error().name;
  return attempt;
}

// ENOSPC and EDQUOT come after the kernel's read-only check: the mount accepts writes.
bool shows_writable(const std::string& error) {
  return error == "ENOSPC" || error == "EDQUOT";
}

}  // namespace

ReadonlyRootFacts collect_readonly_root_facts(ProbeContext& ctx) {
  ReadonlyRootFacts facts;
  facts.requested = ctx.requests.read_only_root;
  if (const auto info = ctx.os.fs_info("/"); info)
    facts.statvfs_read_only = info.value().read_only;
  else
    facts.statvfs_errno = info.error().name;
  if (const auto mounts = read_mounts(ctx.os); mounts)
    facts.root_mount = mount_containing(visible_mounts(mounts.value()), "/");
  else
    facts.mountinfo_error = mounts.error().name;

  const auto name = ctx.scratch_name + "-rw";
  const auto content = "capprobe fs.readonly_root write test " + name;
  facts.root = try_write(ctx.os, "/" + name, content);
  for (const auto* dir : {"/etc", "/var/tmp"})
    facts.others.push_back(try_write(ctx.os, join_path(dir, name), content));
  return facts;
}

CapabilityResult judge_readonly_root(const ReadonlyRootFacts& facts) {
  CapabilityResult result;
  result.id = "fs.readonly_root";
  result.requested = facts.requested;

  const auto& mount = facts.root_mount;
  // Plain bools rather than optional<bool>: what the mount says, when there is a mount.
  const bool mount_says_ro = mount && mount_says_read_only(*mount);
  const bool mount_says_rw = mount && !mount_says_ro;
  const auto& write_errno = facts.root.create_errno;
  const bool erofs = write_errno == "EROFS";
  // The Kata trap: the mount (or statvfs) claims rw and yet the write fails with EROFS.
  const bool rw_but_erofs = erofs && (mount_says_rw || facts.statvfs_read_only == false);

  auto& evidence = result.evidence;
  evidence["write_errno"] = json_or_null(write_errno);
  evidence["write_path"] = facts.root.path;
  if (facts.root.remove_errno) evidence["remove_errno"] = *facts.root.remove_errno;
  evidence["mount_read_only"] = mount ? nlohmann::json(mount_says_ro) : nlohmann::json(nullptr);
  evidence["statvfs_read_only"] = json_or_null(facts.statvfs_read_only);
  if (facts.statvfs_errno) evidence["statvfs_errno"] = *facts.statvfs_errno;
  evidence["fs_type"] = mount ? nlohmann::json(mount->fs_type) : nlohmann::json(nullptr);
  evidence["source"] = mount ? nlohmann::json(mount->source) : nlohmann::json(nullptr);
  if (mount) {
    evidence["mount_root"] = mount->root;
    evidence["mount_options"] = mount->mount_options;
    evidence["super_options"] = mount->super_options;
  }
  if (facts.mountinfo_error) evidence["mountinfo_error"] = *facts.mountinfo_error;
  evidence["mount_rw_but_erofs"] = rw_but_erofs;
  evidence["other_writes"] = nlohmann::json::array();
  for (const auto& other : facts.others) {
    nlohmann::json entry{{"path", other.path}, {"write_errno", json_or_null(other.create_errno)}};
    if (other.remove_errno) entry["remove_errno"] = *other.remove_errno;
    evidence["other_writes"].push_back(entry);
  }

  const auto fs_text =
      mount ? " (" + mount->fs_type + " from " + mount->source + ")" : std::string();
  std::optional<bool> read_only;
  std::string seen;
  if (!write_errno) {
    read_only = false;
    seen = "/ is writable" + fs_text + ": a test file was created and removed";
  } else if (erofs) {
    read_only = true;
    seen = "/ is read-only" + fs_text + ": creating a file failed with EROFS";
    if (rw_but_erofs) seen += " although the mount says rw";
  } else if (shows_writable(*write_errno)) {
    read_only = false;
    seen = "/ is writable" + fs_text + " but full: creating a file failed with " + *write_errno;
  } else if (platform::OsError{0, *write_errno, ""}.is_denied() &&
             (mount_says_ro || facts.statvfs_read_only == true)) {
    read_only = true;
    seen = "/ is read-only" + fs_text +
           " by its mount options (the write was refused earlier with " + *write_errno + ")";
  }

  if (!read_only) {
    result.status = Status::untested;
    result.observed = "unknown";
    const bool denied = platform::OsError{0, *write_errno, ""}.is_denied();
    const std::string mount_text =
        mount_says_rw ? "the mount says rw" : "the mount options are unknown";
    result.summary = "cannot show whether / is writable: " + mount_text +
                     " but creating a file in / failed with " + *write_errno +
                     (denied ? ", a permission check; needs write permission on / (run as root)"
                             : ", which shows neither");
    if (facts.requested == true) result.summary += "; readOnlyRootFilesystem was requested";
  } else {
    result.observed = *read_only ? "read_only" : "writable";
    judge_switch(result, *read_only, "readOnlyRootFilesystem", seen);
  }
  if (facts.root.remove_errno)
    result.summary += "; WARNING: the test file " + facts.root.path + " could not be removed (" +
                      *facts.root.remove_errno + ")";
  return result;
}

}  // namespace capprobe::probes::fs

namespace capprobe::probes {

Probe fs_readonly_root_probe() {
  ProbeInfo info;
  info.id = "fs.readonly_root";
  info.title = "Read-only root filesystem";
  info.pod_spec_field = "securityContext.readOnlyRootFilesystem";
  info.platforms = {"linux"};
  info.cost = Cost::light;
  info.timeout = std::chrono::milliseconds(2000);
  return {info, [](ProbeContext& ctx) {
            return fs::judge_readonly_root(fs::collect_readonly_root_facts(ctx));
          }};
}

}  // namespace capprobe::probes
