// fs.host_path on Windows: each hostPath mount path of the pod spec, looked at and (unless asked
// read-only) written to, on a worker bounded per place. This probe exists to test hostPath
// volumes, so it writes in them, and its summary says so.
#include "probes/fs/host_path_windows.hpp"

#include <algorithm>

#include "probes/common/json.hpp"
#include "probes/common/judge.hpp"
#include "probes/common/text.hpp"
#include "probes/common/worker.hpp"
#include "probes/fs/paths_windows.hpp"
#include "probes/fs/write_attempt.hpp"

namespace capprobe::probes::fs {
namespace {

constexpr std::size_t kMaxWriteTests = 8;
// A place is only started when this much time is left before the deadline.
constexpr auto kPlaceBudget = std::chrono::milliseconds(250);
constexpr std::string_view kMappedDirectories = "ContainerMappedDirectories";

struct Look {
  std::string presence = "missing";
  std::optional<std::string> link_target;
  bool directory = false;  // itself, or where its link leads
};

Look look_at(const platform::Platform& os, const std::string& path) {
  Look look;
  const auto info = os.link_info(path);
  if (!info) {
    look.presence = info.error().is_absent() ? "missing" : info.error().name;
    return look;
  }
  switch (info.value().kind) {
    case platform::FileKind::directory:
      look.presence = "directory";
      look.directory = true;
      return look;
    case platform::FileKind::symlink: {
      const auto target = os.link_target(path);
      if (target) look.link_target = target.value();
      const bool mapped = target && target.value().find(kMappedDirectories) != std::string::npos;
      look.presence = mapped ? "mapped_link" : "link";
      const auto through = os.info_through(path);
      look.directory = through && through.value().kind == platform::FileKind::directory;
      return look;
    }
    default:
      look.presence = "file";
      return look;
  }
}

// The mount path under the container's volume on the node: "C:\data" and "/data" are
// <sandbox>\data.
std::string under_sandbox(const std::string& sandbox, std::string_view mount_path) {
  if (mount_path.size() >= 2 && mount_path[1] == ':') mount_path.remove_prefix(2);
  return win_join(sandbox, mount_path);
}

struct Visit {
  Look look;
  std::string looked_at;
  std::optional<WriteAttempt> write;
};

// On a worker thread: the volume may be a hung SMB share.
Visit visit(platform::Platform& os, const std::string& mount_path,
            const std::optional<std::string>& sandbox, bool write_allowed,
            const std::string& scratch_name) {
  Visit visit;
  visit.looked_at = mount_path;
  visit.look = look_at(os, mount_path);
  if (visit.look.presence == "missing" && sandbox) {
    const auto alternative = under_sandbox(*sandbox, mount_path);
    auto there = look_at(os, alternative);
    if (there.presence != "missing") {
      visit.looked_at = alternative;
      visit.look = std::move(there);
    }
  }
  if (visit.look.directory && write_allowed)
    visit.write = try_write(os, win_join(visit.looked_at, scratch_name + "-hostpath"),
                            "capprobe fs.host_path write test");
  return visit;
}

WindowsHostPathMount examine(ProbeContext& ctx, Worker& worker, const HostPathRequest& request,
                             const std::optional<std::string>& sandbox, std::size_t& budget) {
  WindowsHostPathMount mount;
  mount.request = request;
  mount.looked_at = request.mount_path;
  const bool read_only = request.read_only || win_asked_read_only(ctx.requests, request.mount_path);
  const bool time_left = std::chrono::steady_clock::now() + kPlaceBudget <= ctx.deadline;
  const bool write_allowed = !read_only && budget > 0 && time_left;
  if (write_allowed) --budget;
  const auto limit = step_limit(ctx.place_timeout, ctx.deadline);
  auto& os = ctx.os;
  const auto done = worker.run(
      limit, [&os, path = request.mount_path, sandbox, write_allowed, name = ctx.scratch_name] {
        return visit(os, path, sandbox, write_allowed, name);
      });
  if (!done.done()) {
    mount.presence = "unanswered";
    mount.write = done.timed_out ? "timed_out" : "skipped_limit";
    mount.write_detail = done.why_not(limit);
    return mount;
  }
  const auto& seen = *done.value;
  mount.looked_at = seen.looked_at;
  mount.presence = seen.look.presence;
  mount.link_target = seen.look.link_target;
  if (seen.write) {
    mount.write = seen.write->create_errno.value_or("ok");
    mount.write_kind = seen.write->create_kind;
    mount.remove_errno = seen.write->remove_errno;
  } else if (mount.presence == "missing") {
    mount.write = "skipped_missing";
  } else if (!seen.look.directory) {
    mount.write = "skipped_not_directory";
  } else if (read_only) {
    mount.write = "skipped_requested_read_only";  // never write where the user asked for ro
  } else {
    mount.write = "skipped_limit";
  }
  return mount;
}

bool write_failed(const WindowsHostPathMount& mount) {
  return mount.write != "ok" && mount.write != "timed_out" && mount.write.rfind("skipped_", 0) != 0;
}

std::string where_text(const WindowsHostPathMount& mount) {
  std::string text = mount.request.mount_path;
  if (mount.looked_at != mount.request.mount_path)
    text += " (found at " + mount.looked_at + ", under CONTAINER_SANDBOX_MOUNT_POINT)";
  if (mount.presence == "mapped_link")
    text += " (a link to " + mount.link_target.value_or("\\\\?\\ContainerMappedDirectories") +
            ", as volumes show on WS2016-era builds)";
  return text;
}

std::string mode_text(const WindowsHostPathMount& mount) {
  if (mount.write == "ok") return "a test file was created and removed";
  if (mount.write == "skipped_requested_read_only")
    return "read-only as asked: nothing written, so read-only is not verified";
  if (mount.write == "timed_out") return "the write test " + mount.write_detail;
  if (mount.write == "skipped_not_directory") return "not a directory: " + mount.presence;
  if (mount.write == "skipped_limit")
    return "not written: over the write-test limit or out of time";
  if (mount.write == "ERROR_WRITE_PROTECT")
    return "read-write asked, but creating a file failed with ERROR_WRITE_PROTECT";
  if (mount.write_kind == platform::ErrorKind::denied)
    return "creating a test file failed with " + mount.write + ", a permission check";
  return "creating a test file failed with " + mount.write;
}

std::string describe(const WindowsHostPathMount& mount) {
  return where_text(mount) + " (" + mode_text(mount) + ")";
}

nlohmann::json mount_json(const WindowsHostPathMount& mount) {
  const auto& request = mount.request;
  nlohmann::json json{
      {"volume", request.volume},
      {"host_path", request.host_path},
      {"mount_path", request.mount_path},
      {"read_only", request.read_only},
      {"state", windows_host_path_state(mount)},
      {"looked_at", mount.looked_at},
      {"presence", mount.presence},
      {"link_target", json_or_null(mount.link_target)},
      {"write", mount.write},
      {"write_errno", write_failed(mount) ? nlohmann::json(mount.write) : nlohmann::json(nullptr)}};
  if (!mount.write_detail.empty()) json["write_detail"] = mount.write_detail;
  if (mount.remove_errno) json["remove_errno"] = *mount.remove_errno;
  return json;
}

std::string host_process_text(const WindowsHostPathFacts& facts) {
  if (!facts.host_process) return {};
  return "; a HostProcess container: it sees the node's filesystem directly, so it needs no "
         "hostPath volume to reach the node's files";
}

// Sets status, observed and summary from the facts (evidence is already filled).
void decide(CapabilityResult& result, const WindowsHostPathFacts& facts) {
  if (!facts.requests) {
    set_verdict(result, Status::untested, "unknown",
                "without the pod spec the hostPath volumes are not known: Windows shows no mount "
                "table (nothing like /proc/self/mountinfo) to find the node's mounts in");
    return;
  }
  if (facts.mounts.empty()) {
    if (facts.pipes.empty()) {
      set_verdict(result, Status::untested, "none",
                  "no hostPath volume is mounted in this container, so hostPath support is not "
                  "shown");
    } else {
      std::vector<std::string> pipes;
      for (const auto& pipe : facts.pipes) pipes.push_back(pipe.mount_path);
      set_verdict(result, Status::untested, "none",
                  "the only hostPath volumes of this container are named pipes (" +
                      text::join(pipes) + "): fs.pipe_mount connects to them");
    }
    return;
  }
  std::vector<std::string> missing, forced, unanswered, fine;
  for (const auto& mount : facts.mounts) {
    const auto state = windows_host_path_state(mount);
    if (state == "missing") missing.push_back(request_text(mount.request));
    if (state == "forced_read_only") forced.push_back(describe(mount));
    if (state == "unanswered") unanswered.push_back(mount.request.mount_path);
    if (state == "ok") fine.push_back(describe(mount));
  }
  if (!missing.empty()) {
    result.observed = "missing";
    mark_ignored(result, "hostPath",
                 "not mounted: " + text::join(missing) +
                     (facts.sandbox_mount_point
                          ? " (looked at the mount path and under CONTAINER_SANDBOX_MOUNT_POINT)"
                          : ""));
  } else if (!forced.empty()) {
    set_verdict(
        result, Status::partial, "forced_read_only",
        "hostPath mounted read-only although read-write was requested: " + text::join(forced));
  } else if (!unanswered.empty()) {
    set_verdict(result, Status::untested, "unknown",
                "the requested hostPath volume(s) " + text::join(unanswered) +
                    " did not answer (the filesystem behind them may hang)");
  } else {
    set_verdict(result, Status::supported, "present",
                "every requested hostPath is mounted as requested: " + text::join(fine));
  }
}

}  // namespace

std::string windows_host_path_state(const WindowsHostPathMount& mount) {
  if (mount.presence == "missing") return "missing";
  if (mount.presence == "unanswered") return "unanswered";
  if (mount.write == "ERROR_WRITE_PROTECT" && !mount.request.read_only) return "forced_read_only";
  return "ok";
}

WindowsHostPathFacts collect_windows_host_path_facts(ProbeContext& ctx) {
  WindowsHostPathFacts facts;
  const auto signal = host_process_of(ctx.os);
  facts.host_process = signal.host_process;
  facts.sandbox_mount_point = signal.sandbox_mount_point;
  facts.requests = ctx.requests.host_paths;
  // The pod's hostPath volumes, without this container's mounts of them, do not say what this
  // container asked for.
  if (!spec_covers(ctx.requests, SpecScope::container) && facts.requests &&
      !facts.requests->empty())
    facts.requests.reset();
  if (!facts.requests) return facts;
  std::size_t budget = kMaxWriteTests;
  Worker worker;  // one thread for every place, a new one only after a place that hung
  for (const auto& request : *facts.requests) {
    if (request.mount_path.empty()) continue;  // a volume of the pod this container does not mount
    if (pipe_name_of(request.mount_path) || pipe_name_of(request.host_path)) {
      facts.pipes.push_back(request);
      continue;
    }
    facts.mounts.push_back(examine(ctx, worker, request, facts.sandbox_mount_point, budget));
  }
  return facts;
}

CapabilityResult judge_windows_host_path(const WindowsHostPathFacts& facts) {
  CapabilityResult result;
  result.id = "fs.host_path";
  if (facts.requests) result.requested = !facts.mounts.empty() || !facts.pipes.empty();

  auto& evidence = result.evidence;
  evidence["requested"] = nlohmann::json::array();
  for (const auto& mount : facts.mounts) evidence["requested"].push_back(mount_json(mount));
  evidence["named_pipes"] = nlohmann::json::array();
  for (const auto& pipe : facts.pipes) evidence["named_pipes"].push_back(pipe.mount_path);
  evidence["mount_table"] = false;  // Windows has none: only the pod spec names volumes
  evidence["host_process"] = facts.host_process;
  evidence["sandbox_mount_point"] = json_or_null(facts.sandbox_mount_point);
  decide(result, facts);
  result.summary += host_process_text(facts);
  for (const auto& mount : facts.mounts)
    if (mount.remove_errno)
      result.summary += "; WARNING: the test file in " + mount.looked_at +
                        " could not be removed (" + *mount.remove_errno + ")";
  return result;
}

}  // namespace capprobe::probes::fs

namespace capprobe::probes {

Probe fs_host_path_windows_probe() {
  return {fs::host_path_info(), [](ProbeContext& ctx) {
            return fs::judge_windows_host_path(fs::collect_windows_host_path_facts(ctx));
          }};
}

}  // namespace capprobe::probes
