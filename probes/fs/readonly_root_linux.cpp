// fs.readonly_root on Linux: is "/" writable? The statvfs flag and the mount options are evidence;
// the verdict rests on a real write, because Kata's virtio-fs root has said "rw" while refusing
// writes.
#include "probes/fs/readonly_root_linux.hpp"

#include "probes/common/bounded.hpp"
#include "probes/common/json.hpp"
#include "probes/common/judge.hpp"
#include "probes/fs/mount_places.hpp"
#include "probes/round_reads.hpp"

namespace capprobe::probes::fs {
namespace {

// Kept free before the runner's deadline, so that a write that does not answer is reported by
// this probe rather than as the probe's overrun.
constexpr auto kReserve = std::chrono::milliseconds(200);

// ENOSPC and EDQUOT come after the kernel's read-only check: the mount accepts writes.
bool shows_writable(const std::string& error) {
  return error == "ENOSPC" || error == "EDQUOT";
}

std::vector<const WriteAttempt*> attempts(const LinuxReadonlyRootFacts& facts) {
  std::vector<const WriteAttempt*> all{&facts.root};
  for (const auto& other : facts.others) all.push_back(&other);
  return all;
}

// A write next to / that shows what / itself would do: created, or refused with EROFS, in a
// directory on the very mount that holds /.
const WriteAttempt* same_mount_proof(const LinuxReadonlyRootFacts& facts) {
  if (!facts.root_mount || !facts.root.create_errno) return nullptr;
  if (facts.root.create_kind != platform::ErrorKind::denied) return nullptr;
  for (const auto& other : facts.others)
    if (other.mount_id == facts.root_mount->id &&
        (other.created() || other.create_errno == "EROFS"))
      return &other;
  return nullptr;
}

}  // namespace

LinuxReadonlyRootFacts collect_linux_readonly_root_facts(ProbeContext& ctx) {
  LinuxReadonlyRootFacts facts;
  facts.requested = ctx.requests.read_only_root;
  if (const auto info = ctx.os.fs_info("/"); info)
    facts.statvfs_read_only = info.value().read_only;
  else
    facts.statvfs_errno = info.error().name;
  std::vector<Mount> visible;
  if (const auto& mounts = mounts_of(ctx); mounts) {
    visible = visible_mounts(mounts.value());
    facts.root_mount = mount_containing(visible, "/");
  } else {
    facts.mountinfo_error = mounts.error().name;
  }
  const auto mount_id = [&visible](const std::string& path) -> std::optional<int> {
    const auto mount = mount_containing(visible, path);
    return mount ? std::optional<int>(mount->id) : std::nullopt;
  };

  const auto name = ctx.scratch_name + "-rw";
  const auto content = "capprobe fs.readonly_root write test " + name;
  Worker worker;
  facts.root = try_write_bounded(worker, ctx.os, "/" + name, content,
                                 step_limit(ctx.place_timeout, ctx.deadline, kReserve));
  facts.root.mount_id = mount_id("/");
  for (const auto* dir : {"/etc", "/var/tmp"}) {
    const auto path = join_path(dir, name);
    const auto id = mount_id(dir);
    // These writes only help when they land on the mount that holds "/"; anywhere else (a
    // volume at /var/tmp, say) they would prove nothing about "/" and write into a volume.
    std::optional<std::string> skip;
    if (facts.root.not_done)
      skip = "not tried: the write in / did not answer either";
    else if (!facts.root_mount || !id)
      skip = "the mount list is unknown, so a write there could prove nothing about /";
    else if (*id != facts.root_mount->id)
      skip = "on another mount than /: a write there proves nothing about /";
    else if (asked_read_only(ctx.requests, dir))
      skip = "the pod asked for it read-only: nothing is written";
    WriteAttempt attempt;
    if (skip) {
      attempt.path = path;
      attempt.not_done = *skip;
    } else {
      attempt = try_write_bounded(worker, ctx.os, path, content,
                                  step_limit(ctx.place_timeout, ctx.deadline, kReserve));
    }
    attempt.mount_id = id;
    facts.others.push_back(std::move(attempt));
  }
  return facts;
}

CapabilityResult judge_linux_readonly_root(const LinuxReadonlyRootFacts& facts) {
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
    nlohmann::json entry{{"path", other.path},
                         {"write_errno", json_or_null(other.create_errno)},
                         {"same_mount_as_root", mount && other.mount_id == mount->id}};
    if (other.remove_errno) entry["remove_errno"] = *other.remove_errno;
    if (other.not_done) entry["not_done"] = *other.not_done;
    evidence["other_writes"].push_back(entry);
  }

  const auto fs_text =
      mount ? " (" + mount->fs_type + " from " + mount->source + ")" : std::string();
  std::optional<bool> read_only;
  std::string seen;
  if (facts.root.not_done) {
    result.status = Status::untested;
    result.observed = "unknown";
    evidence["write_not_done"] = *facts.root.not_done;
    result.summary =
        "cannot show whether / is writable: the write test in / " + *facts.root.not_done;
    if (facts.requested == true) result.summary += "; readOnlyRootFilesystem was requested";
    return result;
  }
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
  } else if (facts.root.create_kind == platform::ErrorKind::denied &&
             (mount_says_ro || facts.statvfs_read_only == true)) {
    read_only = true;
    seen = "/ is read-only" + fs_text +
           " by its mount options (the write was refused earlier with " + *write_errno + ")";
  } else if (const auto* proof = same_mount_proof(facts); proof && mount_says_rw) {
    // A process that may not write in / itself (not root) can still show the truth through a
    // directory it may write in on the same mount, such as the world-writable /var/tmp.
    read_only = !proof->created();
    const auto dir = proof->path.substr(0, proof->path.find_last_of('/'));
    seen = (*read_only ? "/ is read-only" : "/ is writable") + fs_text +
           ": creating a file in / itself was refused (" + *write_errno + ", a permission check)" +
           (*read_only ? " and one in " + dir + ", on the same mount, failed with EROFS"
                       : " but one in " + dir + ", on the same mount, was created and removed");
    evidence["proof_path"] = proof->path;
  }

  if (!read_only) {
    result.status = Status::untested;
    // Neither read_only nor writable (DESIGN.md's two words) was shown: saying either would be
    // a guess, so the observation is "unknown" and the summary says what is missing.
    result.observed = "unknown";
    const bool denied = facts.root.create_kind == platform::ErrorKind::denied;
    const std::string mount_text = mount_says_rw   ? "the mount says rw"
                                   : mount_says_ro ? "the mount says ro"
                                                   : "the mount options are unknown";
    result.summary = "cannot show whether / is writable: " + mount_text +
                     " but creating a file in / failed with " + *write_errno +
                     (denied ? ", a permission check; needs write permission on / (run as root)"
                             : ", which shows neither");
    if (facts.requested == true) result.summary += "; readOnlyRootFilesystem was requested";
  } else {
    result.observed = *read_only ? "read_only" : "writable";
    judge_switch(result, *read_only, "readOnlyRootFilesystem", seen);
  }
  for (const auto* attempt : attempts(facts))
    if (attempt->left_behind())
      result.summary += "; WARNING: the test file " + attempt->path + " could not be removed (" +
                        *attempt->remove_errno + ")";
  return result;
}

}  // namespace capprobe::probes::fs

namespace capprobe::probes {

Probe fs_readonly_root_linux_probe() {
  return {fs::readonly_root_info(), [](ProbeContext& ctx) {
            return fs::judge_linux_readonly_root(fs::collect_linux_readonly_root_facts(ctx));
          }};
}

}  // namespace capprobe::probes
