// fs.host_path on Linux: which mounts come from the node's filesystems, kubelet's own (emptyDir,
// configMap, /etc/hosts...) told apart from hostPath-like ones, and whether each is really
// writable: a mount can say rw and refuse writes, and vSphere Pods force /var/log/pods read-only.
#include "probes/fs/host_path_linux.hpp"

#include <algorithm>

#include "probes/common/judge.hpp"
#include "probes/common/text.hpp"
#include "probes/common/worker.hpp"
#include "probes/fs/mount_places.hpp"
#include "probes/fs/write_attempt.hpp"
#include "probes/round_reads.hpp"

namespace capprobe::probes::fs {
namespace {

constexpr std::size_t kMaxWriteTests = 8;
// A write test is only started when this much time is left before the deadline: one create and
// one unlink, even on a slow network filesystem.
constexpr auto kWriteBudget = std::chrono::milliseconds(250);

std::string without_trailing_slash(std::string path) {
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  return path;
}

NodeMount node_mount_of(const Mount& mount) {
  NodeMount node;
  node.mount_point = mount.mount_point;
  node.host_path = mount.root;
  node.source = mount.source;
  node.fs_type = mount.fs_type;
  node.read_only = mount_says_read_only(mount);
  node.kubelet_managed = is_kubelet_managed(mount);
  return node;
}

// The write test's answer: the attempt, or that the mount point is no directory.
struct WriteOutcome {
  bool directory = false;
  WriteAttempt attempt;
};

// On a worker thread: the mount may be a hung network or FUSE filesystem.
WriteOutcome write_in(platform::Platform& os, const std::string& mount_point,
                      const std::string& scratch_name) {
  WriteOutcome outcome;
  const auto info = os.link_info(mount_point);
  outcome.directory = info && info.value().kind == platform::FileKind::directory;
  if (outcome.directory)
    outcome.attempt = try_write(os, join_path(mount_point, scratch_name + "-hostpath"),
                                "capprobe fs.host_path write test");
  return outcome;
}

// Creates and removes a scratch file in the mount: the only proof that rw means writable. This
// probe exists to test hostPath volumes, so it writes in them (and its summary says so).
void write_test(ProbeContext& ctx, Worker& worker, NodeMount& node, std::size_t& budget) {
  if (node.read_only) return;
  if (budget == 0 || std::chrono::steady_clock::now() + kWriteBudget > ctx.deadline) {
    node.write = "skipped_limit";
    return;
  }
  --budget;
  const auto limit = step_limit(ctx.place_timeout, ctx.deadline);
  auto& os = ctx.os;
  const auto outcome = worker.run(limit, [&os, point = node.mount_point, name = ctx.scratch_name] {
    return write_in(os, point, name);
  });
  if (!outcome.done()) {
    node.write = "timed_out";
    node.write_detail = outcome.why_not(limit);
    return;
  }
  if (!outcome.value->directory) {
    node.write = "skipped_not_directory";
    return;
  }
  node.write = outcome.value->attempt.create_errno.value_or("ok");
  node.remove_errno = outcome.value->attempt.remove_errno;
}

bool write_refused_read_only(const NodeMount& node) {
  return node.write == "EROFS";
}

bool effectively_read_only(const NodeMount& node) {
  return node.read_only || write_refused_read_only(node);
}

std::string mode_text(const NodeMount& node) {
  if (node.read_only) return "ro";
  if (node.write == "ok") return "rw, a test file was created and removed";
  if (node.write == "timed_out") return "rw, the write test " + node.write_detail;
  if (node.write == "EROFS") return "says rw, but writes fail with EROFS";
  if (node.write.rfind("skipped_", 0) == 0) return "rw";
  return "rw, write failed with " + node.write;
}

std::string describe(const NodeMount& node) {
  return node.mount_point + " from " + node.host_path + " (" + mode_text(node) + ")";
}

nlohmann::json mount_json(const NodeMount& node) {
  // An errno only when the create itself failed: not for ok, skipped_* or timed_out.
  const bool failed =
      node.write != "ok" && node.write != "timed_out" && node.write.rfind("skipped_", 0) != 0;
  nlohmann::json json{
      {"mount_point", node.mount_point},
      {"host_path", node.host_path},
      {"source", node.source},
      {"fs_type", node.fs_type},
      {"read_only", node.read_only},
      {"kind", node.kubelet_managed ? "kubelet" : "host_path"},
      {"write", node.write},
      {"write_errno", failed ? nlohmann::json(node.write) : nlohmann::json(nullptr)}};
  if (node.remove_errno) json["remove_errno"] = *node.remove_errno;
  if (!node.write_detail.empty()) json["write_detail"] = node.write_detail;
  return json;
}

// What became of one requested hostPath: "ok", "missing", "forced_read_only", "not_read_only".
std::string state_of(const HostPathFinding& finding) {
  if (!finding.mount) return "missing";
  if (finding.request.read_only) return finding.mount->read_only ? "ok" : "not_read_only";
  return effectively_read_only(*finding.mount) ? "forced_read_only" : "ok";
}

// Sets status, observed and summary from the facts (evidence is already filled).
void decide(CapabilityResult& result, const LinuxHostPathFacts& facts) {
  if (facts.mountinfo_error) {
    result.status = Status::untested;
    result.observed = "unknown";
    result.summary = "cannot read " + std::string(kMountinfoPath) + " (" + *facts.mountinfo_error +
                     "), so the mounts from the node are not known";
    return;
  }
  std::vector<std::string> missing, not_read_only, forced, fine;
  for (const auto& finding : facts.findings) {
    const auto state = state_of(finding);
    if (state == "missing") missing.push_back(request_text(finding.request));
    if (state == "not_read_only") not_read_only.push_back(describe(*finding.mount));
    if (state == "forced_read_only") forced.push_back(describe(*finding.mount));
    if (state == "ok") fine.push_back(describe(*finding.mount));
  }

  if (!facts.findings.empty()) {
    if (!missing.empty()) {
      result.observed = "missing";
      mark_ignored(result, "hostPath", "not mounted: " + text::join(missing));
    } else if (!not_read_only.empty()) {
      result.observed = "not_read_only";
      mark_ignored(result, "a read-only hostPath",
                   "mounted read-write: " + text::join(not_read_only));
    } else if (!forced.empty()) {
      result.status = Status::partial;
      result.observed = "forced_read_only";
      result.summary =
          "hostPath mounted read-only although read-write was requested: " + text::join(forced);
      const bool log_pods = std::any_of(forced.begin(), forced.end(), [](const auto& text) {
        return text.find("/var/log/pods") != std::string::npos;
      });
      if (log_pods) result.summary += " (vSphere Pods allow only /var/log/pods, read-only)";
    } else {
      result.status = Status::supported;
      result.observed = "present";
      result.summary = "every requested hostPath is mounted as requested: " + text::join(fine);
    }
    return;
  }

  std::vector<std::string> host_like;
  std::size_t kubelet = 0;
  for (const auto& node : facts.mounts) {
    if (node.kubelet_managed)
      ++kubelet;
    else
      host_like.push_back(describe(node));
  }
  const auto asked = !facts.requests
                         ? std::string("hostPath requests unknown")
                         : std::string("no hostPath mounted in this container was requested");
  if (!host_like.empty()) {
    result.status = Status::supported;
    result.observed = "present";
    result.summary = std::to_string(host_like.size()) +
                     " mount(s) from the node: " + text::join(host_like) + " (" + asked + ")";
  } else {
    result.status = Status::untested;
    result.observed = "none";
    result.summary = "no hostPath-like mounts from the node (" + std::to_string(kubelet) +
                     " kubelet-managed); " + asked + ", so hostPath support is not shown";
  }
}

}  // namespace

LinuxHostPathFacts collect_linux_host_path_facts(ProbeContext& ctx) {
  LinuxHostPathFacts facts;
  facts.requests = ctx.requests.host_paths;
  // The pod's hostPath volumes, without this container's mounts of them, do not say what this
  // container asked for.
  if (!spec_covers(ctx.requests, SpecScope::container) && facts.requests &&
      !facts.requests->empty())
    facts.requests.reset();
  const auto& read = mounts_of(ctx);
  if (!read) {
    facts.mountinfo_error = read.error().name;
    return facts;
  }
  const auto mounts = visible_mounts(read.value());
  std::size_t budget = kMaxWriteTests;
  Worker worker;  // one thread for every write test, a new one only after a hung mount
  for (const auto& mount : mounts) {
    if (!is_node_bind(mount)) continue;
    auto node = node_mount_of(mount);
    if (node.kubelet_managed && !node.read_only)
      node.write = "skipped_kubelet";
    else if (asked_read_only(ctx.requests, node.mount_point) && !node.read_only)
      node.write = "skipped_requested_read_only";  // never write where the user asked for ro
    else
      write_test(ctx, worker, node, budget);
    facts.mounts.push_back(std::move(node));
  }
  if (!facts.requests) return facts;
  for (const auto& request : *facts.requests) {
    if (request.mount_path.empty()) continue;  // a volume of the pod this container does not mount
    HostPathFinding finding{request, std::nullopt};
    const auto wanted = without_trailing_slash(request.mount_path);
    const auto known = std::find_if(facts.mounts.begin(), facts.mounts.end(),
                                    [&](const auto& node) { return node.mount_point == wanted; });
    if (known != facts.mounts.end()) {
      finding.mount = *known;
    } else {
      // Mounted, but not recognisably from a node disk (a whole filesystem, tmpfs...).
      const auto other = std::find_if(mounts.begin(), mounts.end(), [&](const auto& mount) {
        return mount.mount_point == wanted;
      });
      if (other != mounts.end()) {
        finding.mount = node_mount_of(*other);
        if (!request.read_only && !asked_read_only(ctx.requests, request.mount_path))
          write_test(ctx, worker, *finding.mount, budget);
      }
    }
    facts.findings.push_back(std::move(finding));
  }
  return facts;
}

CapabilityResult judge_linux_host_path(const LinuxHostPathFacts& facts) {
  CapabilityResult result;
  result.id = "fs.host_path";
  if (facts.requests) result.requested = !facts.findings.empty();

  auto& evidence = result.evidence;
  evidence["mounts"] = nlohmann::json::array();
  for (const auto& node : facts.mounts) evidence["mounts"].push_back(mount_json(node));
  evidence["requested"] = nlohmann::json::array();
  for (const auto& finding : facts.findings) {
    const auto& request = finding.request;
    evidence["requested"].push_back(
        {{"volume", request.volume},
         {"host_path", request.host_path},
         {"mount_path", request.mount_path},
         {"read_only", request.read_only},
         {"state", state_of(finding)},
         {"found", finding.mount ? mount_json(*finding.mount) : nullptr}});
  }
  if (facts.mountinfo_error) evidence["mountinfo_error"] = *facts.mountinfo_error;
  decide(result, facts);
  std::vector<const NodeMount*> tested;
  for (const auto& node : facts.mounts) tested.push_back(&node);
  for (const auto& finding : facts.findings)  // a requested mount not recognised as the node's
    if (finding.mount &&
        std::none_of(facts.mounts.begin(), facts.mounts.end(), [&](const auto& node) {
          return node.mount_point == finding.mount->mount_point;
        }))
      tested.push_back(&*finding.mount);
  for (const auto* node : tested)
    if (node->remove_errno)
      result.summary += "; WARNING: the test file in " + node->mount_point +
                        " could not be removed (" + *node->remove_errno + ")";
  return result;
}

}  // namespace capprobe::probes::fs

namespace capprobe::probes {

Probe fs_host_path_linux_probe() {
  return {fs::host_path_info(), [](ProbeContext& ctx) {
            return fs::judge_linux_host_path(fs::collect_linux_host_path_facts(ctx));
          }};
}

}  // namespace capprobe::probes
