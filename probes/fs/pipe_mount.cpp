// fs.pipe_mount: which host unix sockets (container runtime, kubelet) are mounted in, and whether
// a connect succeeds. Connect and close only: nothing is ever sent to a host service.
#include "probes/fs/pipe_mount.hpp"

#include <algorithm>

#include "probes/common/json.hpp"
#include "probes/common/judge.hpp"
#include "probes/common/text.hpp"
#include "probes/fs/mount_places.hpp"

namespace capprobe::probes::fs {
namespace {

constexpr std::size_t kMaxEndpoints = 32;
constexpr auto kConnectTimeout = std::chrono::milliseconds(200);
constexpr auto kConnectMargin = std::chrono::milliseconds(50);

bool looks_like_socket(std::string_view path) {
  return path.size() > 5 && text::ends_with(path, ".sock");
}

std::string kind_name(platform::FileKind kind) {
  switch (kind) {
    case platform::FileKind::regular:
      return "regular";
    case platform::FileKind::directory:
      return "directory";
    case platform::FileKind::symlink:
      return "symlink";
    case platform::FileKind::socket:
      return "socket";
    case platform::FileKind::fifo:
      return "fifo";
    case platform::FileKind::char_device:
      return "char_device";
    case platform::FileKind::block_device:
      return "block_device";
    case platform::FileKind::other:
      break;
  }
  return "other";
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

// Mount points that are sockets, or socket-named files: Kata shows a host socket as a plain file.
void add_mounted_sockets(ProbeContext& ctx, PipeMountFacts& facts, std::vector<Candidate>& list) {
  const auto mounts = read_mounts(ctx.os);
  if (!mounts) {
    facts.mountinfo_error = mounts.error().name;
    return;
  }
  for (const auto& mount : visible_mounts(mounts.value())) {
    if (is_pseudo_fs(mount.fs_type) || mount.mount_point == "/") continue;
    if (looks_like_socket(mount.mount_point)) {
      add(list, mount.mount_point, "mount");
      continue;
    }
    if (is_remote_fs(mount.fs_type)) continue;  // never stat a mount that can hang
    const auto info = ctx.os.link_info(mount.mount_point);
    if (info && info.value().kind == platform::FileKind::socket)
      add(list, mount.mount_point, "mount");
  }
}

Endpoint try_endpoint(ProbeContext& ctx, const Candidate& candidate) {
  Endpoint endpoint{candidate.path, candidate.origin, "absent", std::nullopt, std::nullopt};
  const auto info = ctx.os.link_info(candidate.path);
  if (!info && info.error().is_absent()) {
    endpoint.error = info.error().name;
    return endpoint;  // nothing there: no connect
  }
  if (info) endpoint.file_kind = kind_name(info.value().kind);
  const auto connected = ctx.os.connect_unix(candidate.path, kConnectTimeout);
  if (!connected) endpoint.error = connected.error().name;
  endpoint.state = endpoint_state(endpoint.error);
  return endpoint;
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

std::string endpoint_state(const std::optional<std::string>& connect_error) {
  if (!connect_error) return "connected";
  const auto& name = *connect_error;
  if (name == "ENOENT" || name == "ENOTDIR") return "absent";
  if (name == "EACCES" || name == "EPERM") return "denied";
  // ECONNREFUSED, and a listener too busy to accept within the timeout (ETIMEDOUT, EAGAIN):
  // present, but not taking this connection. Other errnos stay visible in `errno`.
  return "refused";
}

PipeMountFacts collect_pipe_mount_facts(ProbeContext& ctx) {
  PipeMountFacts facts;
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
  for (const auto& path : kWellKnownSockets) add(candidates, path, "well_known");
  add_mounted_sockets(ctx, facts, candidates);

  for (std::size_t i = 0; i < candidates.size(); ++i) {
    const bool over_limit = i >= kMaxEndpoints;
    const bool out_of_time =
        std::chrono::steady_clock::now() + kConnectTimeout + kConnectMargin > ctx.deadline;
    if (over_limit || out_of_time) {
      facts.skipped.push_back(candidates[i].path +
                              (over_limit ? " (over the limit)" : " (out of time)"));
      continue;
    }
    facts.endpoints.push_back(try_endpoint(ctx, candidates[i]));
  }
  return facts;
}

CapabilityResult judge_pipe_mount(const PipeMountFacts& facts) {
  CapabilityResult result;
  result.id = "fs.pipe_mount";
  result.requested = facts.requested;

  auto& evidence = result.evidence;
  evidence["endpoints"] = nlohmann::json::array();
  for (const auto& endpoint : facts.endpoints)
    evidence["endpoints"].push_back(endpoint_json(endpoint));
  evidence["connect_timeout_ms"] = kConnectTimeout.count();
  if (!facts.skipped.empty()) evidence["skipped"] = facts.skipped;
  if (facts.mountinfo_error) evidence["mountinfo_error"] = *facts.mountinfo_error;
  if (!facts.requested_paths.empty()) evidence["requested_paths"] = facts.requested_paths;

  std::vector<const Endpoint*> present, connected, requested, requested_connected;
  for (const auto& endpoint : facts.endpoints) {
    const bool is_requested = std::find(facts.requested_paths.begin(), facts.requested_paths.end(),
                                        endpoint.path) != facts.requested_paths.end();
    if (is_requested) requested.push_back(&endpoint);
    if (endpoint.state == "absent") continue;
    present.push_back(&endpoint);
    if (endpoint.state != "connected") continue;
    connected.push_back(&endpoint);
    if (is_requested) requested_connected.push_back(&endpoint);
  }

  result.observed = !connected.empty() ? "connected"
                    : !present.empty() ? "present_refused"
                                       : "none";
  if (facts.requested == true) {
    // The requested sockets decide; without a mount path in this container, any host socket does.
    const auto& asked = facts.requested_paths.empty() ? present : requested;
    const auto& asked_connected = facts.requested_paths.empty() ? connected : requested_connected;
    if (asked_connected.empty()) {
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
  } else if (!present.empty()) {
    result.status = Status::partial;
    result.summary = "host sockets are present but none accepts a connection: " + joined(present) +
                     " (a stale socket, or a VM-isolated pod showing the host's socket as a file)";
  } else {
    result.status = Status::untested;
    result.summary = "no host sockets mounted (" + std::to_string(facts.endpoints.size()) +
                     " well-known and mounted paths checked)";
  }
  if (!facts.skipped.empty())
    result.summary += "; " + std::to_string(facts.skipped.size()) + " path(s) not tried";
  return result;
}

}  // namespace capprobe::probes::fs

namespace capprobe::probes {

Probe fs_pipe_mount_probe() {
  // Each connect is bounded by 200 ms and there are at most 32 endpoints; local connects
  // normally answer at once, so the whole probe takes milliseconds.
  return {
      {.id = "fs.pipe_mount",
       .title = "Host IPC endpoints (unix sockets) mounted in",
       .pod_spec_field = "volumes[].hostPath (sockets)",
       .scope = SpecScope::container,
       .platforms = {"linux"},
       .timeout = std::chrono::milliseconds(8000)},
      [](ProbeContext& ctx) { return fs::judge_pipe_mount(fs::collect_pipe_mount_facts(ctx)); }};
}

}  // namespace capprobe::probes
