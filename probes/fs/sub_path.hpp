// fs.subpath: volumes mounted through a subPath (volumeMounts[].subPath / subPathExpr), and
// whether one behaves: a file written through the subPath mount shows at the same place of the
// volume seen whole. Kata documents subPath as unsupported; a runtime that mounts the whole
// volume, or nothing, at a subPath's mountPath fails the upstream subPath tests.
//
// What both OSes share: the catalog entry, the facts, the collector over a mount table (Linux:
// mountinfo; Windows: none, the pod spec alone) and the judge.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "probes/common/mountinfo.hpp"
#include "probes/probe.hpp"

namespace capprobe::probes::fs {

ProbeInfo sub_path_info();

// One mount that shows a subdirectory of a volume.
struct SubPathMount {
  std::string mount_path;
  std::string origin;    // "pod_spec" (volumeMounts[].subPath), "mountinfo" (a bind's root)
  std::string volume;    // the spec's volume name; "" when found in mountinfo only
  std::string sub_path;  // the spec's subPath(Expr), or the subdirectory mountinfo shows
  bool expression = false;
  std::optional<std::string> mount_root;   // mountinfo's root of the mount at mount_path
  std::optional<std::string> view;         // where the whole volume shows, when it does
  bool present = false;                    // something is at mount_path
  std::optional<std::string> not_written;  // why no file was written through it
  std::optional<std::string> write_errno;  // the create's error
  std::optional<bool> seen_at_view;        // the file showed at view/sub_path/<name>
  std::optional<std::string> remove_errno;
  std::optional<std::string> unanswered;  // the place did not answer in time
};

struct SubPathFacts {
  std::optional<bool> requested;  // the pod spec mounts through a subPath here
  std::vector<SubPathMount> mounts;
  std::optional<std::string> mountinfo_error;
  bool mount_table = false;  // a mount table was read (Linux)
};

// `mounts`: the visible mounts, or null where the OS has no mount table (Windows).
SubPathFacts collect_sub_path_facts(ProbeContext& ctx, const std::vector<Mount>* mounts);
CapabilityResult judge_sub_path(const SubPathFacts& facts);

// "consistent", "inconsistent", "missing", "write_failed", "unanswered" or "mounted" (present,
// not written through): one mount's state, for the evidence and the verdict.
std::string sub_path_state(const SubPathMount& mount);

}  // namespace capprobe::probes::fs
