// fs.readonly_root on Windows: no such setting exists, so the probe only shows what a write in
// the root of the system drive does (created and removed at once), as evidence for the
// not_applicable verdict, or for "requested but ignored" when the pod spec asks for it anyway.
#include "probes/fs/readonly_root_windows.hpp"

#include "probes/common/bounded.hpp"
#include "probes/common/json.hpp"
#include "probes/common/judge.hpp"
#include "probes/fs/paths_windows.hpp"

namespace capprobe::probes::fs {
namespace {

// Kept free before the runner's deadline, so that a write that does not answer is reported by
// this probe rather than as the probe's overrun.
constexpr auto kReserve = std::chrono::milliseconds(200);

// What the field's absence means, said once for every verdict.
constexpr const char* kNoSuchSetting =
    "Windows containers have no read-only root filesystem (the API server rejects "
    "readOnlyRootFilesystem for pods whose spec.os.name is windows, and without spec.os kubelet "
    "ignores it)";

// What the write showed: "writable", "read_only" or "unknown", and the words for it.
std::pair<std::string, std::string> write_seen(const WindowsReadonlyRootFacts& facts) {
  const auto root = facts.system_drive + "\\";
  const auto& write = facts.root;
  if (write.not_done)
    return {"unknown",
            "whether " + root + " is writable is not shown: the write test " + *write.not_done};
  if (!write.create_errno)
    return {"writable", root + " is writable: a test file was created and removed"};
  const auto& error = *write.create_errno;
  // The media says no before any permission check.
  if (error == "ERROR_WRITE_PROTECT")
    return {"read_only", root + " is read-only: creating a file failed with " + error};
  // Out of space comes after the volume accepted the write.
  if (error == "ERROR_DISK_FULL" || error == "ERROR_HANDLE_DISK_FULL")
    return {"writable", root + " is writable but full: creating a file failed with " + error};
  if (write.create_kind == platform::ErrorKind::denied)
    return {"unknown",
            "whether " + root + " is writable is not shown: creating a file failed with " + error +
                ", a permission check (ContainerUser may not write in the drive's root)"};
  return {"unknown",
          "whether " + root + " is writable is not shown: creating a file failed with " + error};
}

}  // namespace

WindowsReadonlyRootFacts collect_windows_readonly_root_facts(ProbeContext& ctx) {
  WindowsReadonlyRootFacts facts;
  facts.requested = ctx.requests.read_only_root;
  facts.host_process = host_process_of(ctx.os).host_process;
  if (const auto drive = ctx.os.env("SystemDrive"); drive && !drive->empty())
    facts.system_drive = *drive;
  const auto root = facts.system_drive + "\\";
  if (const auto info = ctx.os.fs_info(root); info)
    facts.volume_read_only = info.value().read_only;
  else
    facts.volume_error = info.error().name;
  const auto name = ctx.scratch_name + "-rw";
  Worker worker;
  facts.root =
      try_write_bounded(worker, ctx.os, root + name, "capprobe fs.readonly_root write test " + name,
                        step_limit(ctx.place_timeout, ctx.deadline, kReserve));
  return facts;
}

CapabilityResult judge_windows_readonly_root(const WindowsReadonlyRootFacts& facts) {
  CapabilityResult result;
  result.id = "fs.readonly_root";
  result.requested = facts.requested;

  auto& evidence = result.evidence;
  evidence["write_errno"] = json_or_null(facts.root.create_errno);
  evidence["write_path"] = facts.root.path;
  if (facts.root.remove_errno) evidence["remove_errno"] = *facts.root.remove_errno;
  if (facts.root.not_done) evidence["write_not_done"] = *facts.root.not_done;
  evidence["system_drive"] = facts.system_drive;
  evidence["volume_read_only"] = json_or_null(facts.volume_read_only);
  if (facts.volume_error) evidence["volume_error"] = *facts.volume_error;
  evidence["host_process"] = facts.host_process;
  evidence["setting_exists"] = false;

  auto [observed, seen] = write_seen(facts);
  if (facts.host_process) seen += " (a HostProcess container: the node's own system drive)";
  result.observed = observed;
  if (facts.requested == true && observed != "read_only") {
    mark_ignored(result, "readOnlyRootFilesystem", std::string(kNoSuchSetting) + "; " + seen);
  } else {
    result.status = Status::not_applicable;
    result.summary = std::string(kNoSuchSetting) + "; " + seen;
  }
  if (facts.root.left_behind())
    result.summary += "; WARNING: the test file " + facts.root.path + " could not be removed (" +
                      *facts.root.remove_errno + ")";
  return result;
}

}  // namespace capprobe::probes::fs

namespace capprobe::probes {

Probe fs_readonly_root_windows_probe() {
  return {fs::readonly_root_info(), [](ProbeContext& ctx) {
            return fs::judge_windows_readonly_root(fs::collect_windows_readonly_root_facts(ctx));
          }};
}

}  // namespace capprobe::probes
