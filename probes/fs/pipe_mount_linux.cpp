// fs.pipe_mount on Linux: which host unix sockets (container runtime, kubelet) are mounted in, and
// whether a connect succeeds. Connect and close only: nothing is ever sent to a host service.
#include "probes/fs/pipe_mount_linux.hpp"

#include <algorithm>

#include "probes/common/file_kind.hpp"
#include "probes/common/json.hpp"
#include "probes/common/judge.hpp"
#include "probes/common/proc_status.hpp"
#include "probes/common/text.hpp"
#include "probes/common/worker.hpp"
#include "probes/fs/mount_places.hpp"
#include "probes/round_reads.hpp"

namespace capprobe::probes::fs {
namespace {

constexpr std::size_t kMaxEndpoints = 32;
constexpr auto kConnectTimeout = std::chrono::milliseconds(200);
constexpr auto kConnectMargin = std::chrono::milliseconds(50);
// The directory search stops this long before the deadline, so that the endpoints it found
// still get their connect (a local connect answers at once; a busy listener takes up to
// kConnectTimeout, and what does not fit is reported as not tried).
constexpr auto kReservedForConnects = std::chrono::milliseconds(500);

bool looks_like_socket(std::string_view path) {
  return path.size() > 5 && text::ends_with(path, ".sock");
}

struct Candidate {
  std::string path;
  std::string origin;
};

void add(std::vector<Candidate>& list, const std::string& path, const std::string& origin) {
  const auto known = std::find_if(list.begin(), list.end(),
                                  [&](const auto& candidate) { return candidate.path == path; });
  if (known == list.end()) list.push_back({path, origin});
}

bool same_file(const platform::FileInfo& a, const platform::FileInfo& b) {
  return a.device == b.device && a.inode == b.inode;
}

// The well-known list names both /run/X and /var/run/X; where /var/run leads to /run (the
// usual link) they are one socket, and only the /run name is kept.
std::vector<std::string> well_known_paths(const platform::Platform& os) {
  const auto run = os.info_through("/run");
  const auto var_run = os.info_through("/var/run");
  const bool aliased = run && var_run && same_file(run.value(), var_run.value());
  std::vector<std::string> paths;
  for (const auto& path : kWellKnownSockets) {
    if (aliased && text::starts_with(path, "/var/run/") &&
        std::find(kWellKnownSockets.begin(), kWellKnownSockets.end(), path.substr(4)) !=
            kWellKnownSockets.end())
      continue;
    paths.push_back(path);
  }
  return paths;
}

bool is_runtime_socket_name(std::string_view name) {
  return std::find(kRuntimeSocketNames.begin(), kRuntimeSocketNames.end(), name) !=
         kRuntimeSocketNames.end();
}

// Directories on the way to a runtime or kubelet socket from a mounted host directory (/run,
// /var/run, /var/lib/kubelet/pod-resources, /run/k3s/containerd...). Only these are entered, so
// the search stays small even when the whole node root is mounted.
bool leads_to_sockets(std::string_view name) {
  static const std::vector<std::string_view> kNames = {
      "run",  "var", "lib",  "kubelet",  "pod-resources", "device-plugins", "containerd", "docker",
      "crio", "k3s", "rke2", "microk8s", "cri-dockerd",   "podman",         "snap",       "common"};
  return std::find(kNames.begin(), kNames.end(), name) != kNames.end();
}

struct ScanAnswer {
  std::optional<platform::FileKind> kind;  // of the mount point itself
  SocketScan scan;
  std::vector<std::string> sockets;
};

// On a worker thread (the mount may hang): a breadth-first search for runtime socket names,
// entering only directories that lead to them and never another filesystem.
ScanAnswer scan_mount(const platform::Platform& os, const std::string& mount_point) {
  ScanAnswer answer;
  answer.scan.mount_point = mount_point;
  const auto top = os.link_info(mount_point);
  if (top) answer.kind = top.value().kind;
  if (answer.kind != platform::FileKind::directory) return answer;
  std::vector<std::pair<std::string, int>> queue{{mount_point, 1}};
  for (std::size_t next = 0; next < queue.size(); ++next) {
    if (answer.scan.dirs_listed == kScanMaxDirs) {
      answer.scan.stopped = "listed " + std::to_string(kScanMaxDirs) + " directories";
      break;
    }
    const auto [dir, depth] = queue[next];
    const auto names = os.list_through(dir);
    ++answer.scan.dirs_listed;
    if (!names) continue;
    for (const auto& name : names.value()) {
      if (++answer.scan.entries_seen > kScanMaxEntries) {
        answer.scan.stopped = "looked at " + std::to_string(kScanMaxEntries) + " entries";
        return answer;
      }
      const auto path = join_path(dir, name);
      if (is_runtime_socket_name(name)) {
        answer.sockets.push_back(path);
        ++answer.scan.found;
        continue;
      }
      if (depth >= kScanDepth || !leads_to_sockets(name)) continue;
      const auto info = os.link_info(path);
      if (info && info.value().kind == platform::FileKind::directory &&
          info.value().device == top.value().device)
        queue.emplace_back(path, depth + 1);
    }
  }
  return answer;
}

// Mounted directories that may hold a host's runtime sockets: every mount but the container's
// own root, kernel plumbing, kubelet's volumes and files, and network filesystems.
std::vector<const Mount*> mounts_to_scan(const std::vector<Mount>& mounts,
                                         LinuxPipeMountFacts& facts) {
  std::vector<const Mount*> chosen;
  for (const auto& mount : mounts) {
    if (mount.mount_point == "/" || is_pseudo_fs(mount.fs_type)) continue;
    if (is_system_mount_point(mount.mount_point) || is_kubelet_managed(mount)) continue;
    if (looks_like_socket(mount.mount_point)) continue;  // a socket itself, tried as one
    if (is_remote_fs(mount.fs_type)) {
      facts.not_scanned.push_back({mount.mount_point, "a network filesystem (" + mount.fs_type +
                                                          "): no host runtime "
                                                          "socket lives on one"});
      continue;
    }
    if (chosen.size() == kMaxScannedMounts) {
      facts.not_scanned.push_back(
          {mount.mount_point,
           "over the limit of " + std::to_string(kMaxScannedMounts) + " mounts"});
      continue;
    }
    chosen.push_back(&mount);
  }
  return chosen;
}

// Mount points that are sockets, or socket-named files (Kata shows a host socket as a plain
// file), and runtime sockets by name inside mounted directories. Each mount is touched on a
// worker with a bound: it may be a hung volume.
void add_mounted_sockets(ProbeContext& ctx, Worker& worker, LinuxPipeMountFacts& facts,
                         std::vector<Candidate>& list) {
  const auto& mounts = mounts_of(ctx);
  if (!mounts) {
    facts.mountinfo_error = mounts.error().name;
    return;
  }
  const auto visible = visible_mounts(mounts.value());
  for (const auto& mount : visible)
    if (!is_pseudo_fs(mount.fs_type) && mount.mount_point != "/" &&
        looks_like_socket(mount.mount_point))
      add(list, mount.mount_point, "mount");
  auto& os = ctx.os;
  for (const auto* mount : mounts_to_scan(visible, facts)) {
    const auto& point = mount->mount_point;
    const auto limit = step_limit(ctx.place_timeout, ctx.deadline, kReservedForConnects);
    if (limit.count() <= 0) {
      facts.not_scanned.push_back({point, "out of time"});
      continue;
    }
    const auto answer = worker.run(limit, [&os, point] { return scan_mount(os, point); });
    if (!answer.done()) {
      facts.not_scanned.push_back({point, answer.why_not(limit)});
      continue;
    }
    if (!answer.value->kind) {
      facts.not_scanned.push_back({point, "link_info failed: not looked at"});
      continue;
    }
    if (answer.value->kind != platform::FileKind::directory) {
      // A single file mounted: a socket is tried as an endpoint, anything else is no place.
      if (answer.value->kind == platform::FileKind::socket) add(list, point, "mount");
      continue;
    }
    facts.scans.push_back(answer.value->scan);
    for (const auto& socket : answer.value->sockets) add(list, socket, "scan");
  }
}

struct Tried {
  Endpoint endpoint;
  std::optional<platform::FileInfo> identity;  // what the path leads to, when it exists
};

// On a worker thread: the path may lie on a hung filesystem.
Tried try_endpoint(platform::Platform& os, const Candidate& candidate) {
  Tried tried{{candidate.path, candidate.origin, "absent", std::nullopt, std::nullopt, {}},
              std::nullopt};
  auto& endpoint = tried.endpoint;
  const auto info = os.link_info(candidate.path);
  if (!info && info.error().is_absent()) {
    endpoint.error = info.error().name;
    return tried;  // nothing there: no connect
  }
  if (info) endpoint.file_kind = std::string(file_kind_name(info.value().kind));
  if (const auto target = os.info_through(candidate.path); target) tried.identity = target.value();
  const auto connected = os.connect_unix(candidate.path, kConnectTimeout);
  if (connected) {
    endpoint.state = endpoint_state(std::nullopt);
  } else {
    endpoint.error = connected.error().name;
    endpoint.state = endpoint_state(connected.error().kind);
  }
  return tried;
}

nlohmann::json endpoint_json(const Endpoint& endpoint) {
  // Absent well-known paths are the common case; they stay short.
  if (endpoint.state == "absent" && endpoint.origin == "well_known")
    return {{"path", endpoint.path}, {"kind", "unix_socket"}, {"state", "absent"}};
  nlohmann::json json{{"path", endpoint.path},
                      {"kind", "unix_socket"},
                      {"state", endpoint.state},
                      {"errno", json_or_null(endpoint.error)},
                      {"origin", endpoint.origin}};
  if (endpoint.file_kind) json["file_kind"] = *endpoint.file_kind;
  if (!endpoint.aliases.empty()) json["also_at"] = endpoint.aliases;
  return json;
}

std::string endpoint_text(const Endpoint& endpoint) {
  return endpoint.path + " " + endpoint.state +
         (endpoint.error ? " (" + *endpoint.error + ")" : "");
}

std::string joined(const std::vector<const Endpoint*>& endpoints) {
  std::string text;
  for (const auto* endpoint : endpoints)
    text += (text.empty() ? "" : ", ") + endpoint_text(*endpoint);
  return text;
}

}  // namespace

LinuxPipeMountFacts collect_linux_pipe_mount_facts(ProbeContext& ctx) {
  LinuxPipeMountFacts facts;
  if (const auto status = read_proc_status(ctx.os); status && status.value().uid)
    facts.uid = status.value().uid->effective;
  std::vector<Candidate> candidates;
  if (ctx.requests.host_paths) {
    facts.requested = false;
    for (const auto& request : *ctx.requests.host_paths) {
      if (!looks_like_socket(request.host_path) && !looks_like_socket(request.mount_path)) continue;
      facts.requested = true;
      if (!request.mount_path.empty()) {
        facts.requested_paths.push_back(request.mount_path);
        add(candidates, request.mount_path, "requested");
      }
    }
    // A socket among the pod's volumes, but which container mounts it is unknown.
    if (facts.requested == true && !spec_covers(ctx.requests, SpecScope::container))
      facts.requested.reset();
  }
  for (const auto& path : well_known_paths(ctx.os)) add(candidates, path, "well_known");
  Worker worker;  // one thread for every mount and endpoint, a new one only after a hang
  add_mounted_sockets(ctx, worker, facts, candidates);

  std::vector<std::optional<platform::FileInfo>> identities;
  auto& os = ctx.os;
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    const bool over_limit = i >= kMaxEndpoints;
    const bool out_of_time =
        std::chrono::steady_clock::now() + kConnectTimeout + kConnectMargin > ctx.deadline;
    if (over_limit || out_of_time) {
      facts.skipped.push_back(candidates[i].path +
                              (over_limit ? " (over the limit)" : " (out of time)"));
      continue;
    }
    const auto limit =
        step_limit(std::max(ctx.place_timeout, kConnectTimeout + kConnectMargin), ctx.deadline);
    const auto tried =
        worker.run(limit, [&os, candidate = candidates[i]] { return try_endpoint(os, candidate); });
    if (!tried.done()) {
      facts.skipped.push_back(candidates[i].path + " (" + tried.why_not(limit) + ")");
      if (tried.timed_out) facts.unanswered.push_back(candidates[i].path);
      continue;
    }
    // Two names of one socket (a hostPath seen through two mounts, a link) are one endpoint.
    const auto& identity = tried.value->identity;
    const auto twin = std::find_if(identities.begin(), identities.end(), [&](const auto& known) {
      return identity && known && same_file(*identity, *known);
    });
    if (twin != identities.end()) {
      facts.endpoints[static_cast<std::size_t>(twin - identities.begin())].aliases.push_back(
          candidates[i].path);
      continue;
    }
    facts.endpoints.push_back(tried.value->endpoint);
    identities.push_back(identity);
  }
  return facts;
}

CapabilityResult judge_linux_pipe_mount(const LinuxPipeMountFacts& facts) {
  CapabilityResult result;
  result.id = "fs.pipe_mount";
  result.requested = facts.requested;

  auto& evidence = result.evidence;
  evidence["endpoints"] = nlohmann::json::array();
  for (const auto& endpoint : facts.endpoints)
    evidence["endpoints"].push_back(endpoint_json(endpoint));
  evidence["connect_timeout_ms"] = kConnectTimeout.count();
  if (!facts.skipped.empty()) evidence["skipped"] = facts.skipped;
  if (!facts.unanswered.empty()) evidence["unanswered"] = facts.unanswered;
  if (facts.mountinfo_error) evidence["mountinfo_error"] = *facts.mountinfo_error;
  if (!facts.requested_paths.empty()) evidence["requested_paths"] = facts.requested_paths;

  evidence["scanned"] = nlohmann::json::array();
  for (const auto& scan : facts.scans) {
    nlohmann::json entry{{"mount_point", scan.mount_point},
                         {"found", scan.found},
                         {"dirs_listed", scan.dirs_listed},
                         {"entries_seen", scan.entries_seen}};
    if (scan.stopped) entry["stopped"] = *scan.stopped;
    evidence["scanned"].push_back(entry);
  }
  if (!facts.not_scanned.empty()) {
    evidence["not_scanned"] = nlohmann::json::array();
    for (const auto& skip : facts.not_scanned)
      evidence["not_scanned"].push_back(
          {{"mount_point", skip.mount_point}, {"reason", skip.reason}});
  }

  std::vector<const Endpoint*> present, connected, refused, denied, requested, requested_connected;
  for (const auto& endpoint : facts.endpoints) {
    const bool is_requested = std::find(facts.requested_paths.begin(), facts.requested_paths.end(),
                                        endpoint.path) != facts.requested_paths.end();
    if (is_requested) requested.push_back(&endpoint);
    if (endpoint.state == "absent") continue;
    present.push_back(&endpoint);
    if (endpoint.state == "denied") denied.push_back(&endpoint);
    if (endpoint.state == "refused") refused.push_back(&endpoint);
    if (endpoint.state != "connected") continue;
    connected.push_back(&endpoint);
    if (is_requested) requested_connected.push_back(&endpoint);
  }
  // A refusal is the socket's answer (stale, or Kata's file); a denial is the permission check
  // on this process, which says nothing about the socket.
  const auto uid_text = facts.uid ? " (uid " + std::to_string(*facts.uid) + ")" : std::string();
  const auto denied_text = [&] {
    return "this process" + uid_text + " may not connect to " + joined(denied) +
           " (a permission check, not the socket's answer)";
  };
  const auto refused_text = [&] {
    return "none accepts a connection: " + joined(refused) +
           " (a stale socket, or a VM-isolated pod showing the host's socket as a file)";
  };

  result.observed = !connected.empty()                    ? "connected"
                    : !present.empty() && refused.empty() ? "present_denied"
                    : !present.empty()                    ? "present_refused"
                                                          : "none";
  if (facts.requested == true) {
    // The requested sockets decide; without a mount path in this container, any host socket does.
    const auto& asked = facts.requested_paths.empty() ? present : requested;
    const auto& asked_connected = facts.requested_paths.empty() ? connected : requested_connected;
    const bool all_denied = !asked.empty() && std::all_of(asked.begin(), asked.end(), [](auto* e) {
      return e->state == "denied";
    });
    std::vector<std::string> silent;  // requested paths whose filesystem did not answer
    for (const auto& path : facts.requested_paths)
      if (std::find(facts.unanswered.begin(), facts.unanswered.end(), path) !=
          facts.unanswered.end())
        silent.push_back(path);
    if (asked_connected.empty() && !silent.empty()) {
      // Nothing is known of those sockets: neither honoured nor ignored is shown.
      result.status = Status::untested;
      result.summary = "the requested socket path(s) " + text::join(silent) +
                       " did not answer (the filesystem holding them may hang)";
    } else if (asked_connected.empty() && all_denied) {
      // Mounted as asked; only this process's permissions keep it from connecting.
      result.status = Status::untested;
      result.summary = "the requested host sockets are mounted, but " + denied_text();
    } else if (asked_connected.empty()) {
      const auto seen = asked.empty()
                            ? std::string("no host socket is mounted")
                            : "no requested socket accepts a connection: " + joined(asked);
      mark_ignored(result, "a hostPath socket", seen);
    } else if (asked_connected.size() < asked.size()) {
      result.status = Status::partial;
      result.summary = "some requested sockets connect, others do not: " + joined(asked);
    } else {
      result.status = Status::supported;
      result.summary =
          "the requested host sockets accept a connection (connect only, nothing sent): " +
          joined(asked_connected);
    }
  } else if (!connected.empty()) {
    result.status = Status::supported;
    result.summary =
        "host sockets are mounted and accept a connection (connect only, nothing sent): " +
        joined(connected);
  } else if (!present.empty() && refused.empty()) {
    result.status = Status::untested;  // it needs a privilege this process lacks
    result.summary = "host sockets are mounted, but " + denied_text();
  } else if (!present.empty()) {
    result.status = Status::partial;
    result.summary = "host sockets are present but " + refused_text();
    if (!denied.empty()) result.summary += "; " + denied_text();
  } else {
    result.status = Status::untested;
    result.summary =
        "no host sockets mounted (" + std::to_string(facts.endpoints.size()) +
        " well-known and mounted paths checked, " + std::to_string(facts.scans.size()) +
        (facts.scans.size() == 1 ? " mounted directory" : " mounted directories") + " searched)";
  }
  if (!facts.skipped.empty())
    result.summary += "; " + std::to_string(facts.skipped.size()) + " path(s) not tried";
  if (!facts.not_scanned.empty())
    result.summary +=
        "; " + std::to_string(facts.not_scanned.size()) +
        (facts.not_scanned.size() == 1 ? " mounted directory" : " mounted directories") +
        " not searched (see evidence)";
  return result;
}

}  // namespace capprobe::probes::fs

namespace capprobe::probes {

Probe fs_pipe_mount_linux_probe() {
  return {fs::pipe_mount_info(), [](ProbeContext& ctx) {
            return fs::judge_linux_pipe_mount(fs::collect_linux_pipe_mount_facts(ctx));
          }};
}

}  // namespace capprobe::probes
