// fs.pipe_mount on Windows: the requested, well-known and listed runtime pipes, each opened with
// CreateFileW(OPEN_EXISTING) and closed at once (WindowsFacts::connect_pipe): nothing is ever
// sent to a node service. Opening a pipe never waits (a busy one answers ERROR_PIPE_BUSY), so
// no worker is needed.
#include "probes/fs/pipe_mount_windows.hpp"

#include <algorithm>
#include <set>

#include "platform/windows_facts.hpp"
#include "probes/common/bounded.hpp"
#include "probes/common/json.hpp"
#include "probes/common/judge.hpp"
#include "probes/common/text.hpp"
#include "probes/fs/paths_windows.hpp"

namespace capprobe::probes::fs {
namespace {

// Kept free before the deadline; one open takes microseconds.
constexpr auto kReserve = std::chrono::milliseconds(50);

std::string lower(std::string_view name) {
  std::string out(name);
  for (auto& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

std::string pipe_path(const std::string& name) {
  return std::string(kPipePrefix) + name;
}

bool runtime_pipe(const std::string& name) {
  const auto folded = lower(name);
  return std::any_of(kRuntimePipePrefixes.begin(), kRuntimePipePrefixes.end(),
                     [&](const auto& prefix) { return folded.rfind(prefix, 0) == 0; });
}

struct Candidate {
  std::string name;
  std::string origin;
};

void add(std::vector<Candidate>& list, const std::string& name, const std::string& origin) {
  const auto known = std::find_if(list.begin(), list.end(), [&](const auto& candidate) {
    return lower(candidate.name) == lower(name);
  });
  if (known == list.end() && !name.empty()) list.push_back({name, origin});
}

// The pipe a hostPath request names: its mount path in the container, else the node's path.
std::optional<std::string> requested_pipe(const HostPathRequest& request) {
  if (auto name = pipe_name_of(request.mount_path)) return name;
  return pipe_name_of(request.host_path);
}

std::set<std::string> listed_set(const WindowsPipeMountFacts& facts) {
  std::set<std::string> names;
  if (facts.listed)
    for (const auto& name : *facts.listed) names.insert(lower(name));
  return names;
}

nlohmann::json endpoint_json(const Endpoint& endpoint, const std::set<std::string>& listed,
                             bool listing) {
  // Absent well-known names are the common case; they stay short.
  if (endpoint.state == "absent" && endpoint.origin == "well_known")
    return {{"path", endpoint.path}, {"kind", "named_pipe"}, {"state", "absent"}};
  nlohmann::json json{{"path", endpoint.path},
                      {"kind", "named_pipe"},
                      {"state", endpoint.state},
                      {"errno", json_or_null(endpoint.error)},
                      {"origin", endpoint.origin}};
  const auto name = pipe_name_of(endpoint.path).value_or("");
  json["listed"] =
      listing ? nlohmann::json(listed.count(lower(name)) > 0) : nlohmann::json(nullptr);
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

WindowsPipeMountFacts collect_windows_pipe_mount_facts(ProbeContext& ctx) {
  const auto& win = platform::windows_facts(ctx.os);
  WindowsPipeMountFacts facts;
  facts.host_process = host_process_of(ctx.os).host_process;
  std::vector<Candidate> candidates;
  if (ctx.requests.host_paths) {
    facts.requested = false;
    for (const auto& request : *ctx.requests.host_paths) {
      const auto name = requested_pipe(request);
      // Only the pipes this container mounts are its request.
      if (!name || request.mount_path.empty()) continue;
      facts.requested = true;
      facts.requested_paths.push_back(pipe_path(*name));
      add(candidates, *name, "requested");
    }
    // A pipe among the pod's volumes, but which container mounts it is unknown.
    if (!spec_covers(ctx.requests, SpecScope::container)) facts.requested.reset();
  }
  for (const auto& name : kWellKnownPipes) add(candidates, name, "well_known");
  if (auto names = win.pipe_names(); names) {
    for (const auto& name : names.value())
      if (runtime_pipe(name)) add(candidates, name, "listed");
    facts.listed = std::move(names).value();
  } else {
    facts.listing_error = names.error().name;
  }
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    const auto path = pipe_path(candidates[i].name);
    if (i >= kMaxPipeEndpoints) {
      facts.skipped.push_back(path + " (over the limit)");
      continue;
    }
    if (step_limit(std::chrono::milliseconds(1000), ctx.deadline, kReserve).count() <= 0) {
      facts.skipped.push_back(path + " (out of time)");
      continue;
    }
    Endpoint endpoint{path, candidates[i].origin, "connected", std::nullopt, std::nullopt, {}};
    if (const auto connected = win.connect_pipe(candidates[i].name); !connected) {
      endpoint.error = connected.error().name;
      endpoint.state = endpoint_state(connected.error().kind);
    }
    facts.endpoints.push_back(std::move(endpoint));
  }
  return facts;
}

CapabilityResult judge_windows_pipe_mount(const WindowsPipeMountFacts& facts) {
  CapabilityResult result;
  result.id = "fs.pipe_mount";
  result.requested = facts.requested;

  const auto listed = listed_set(facts);
  auto& evidence = result.evidence;
  evidence["endpoints"] = nlohmann::json::array();
  for (const auto& endpoint : facts.endpoints)
    evidence["endpoints"].push_back(endpoint_json(endpoint, listed, facts.listed.has_value()));
  evidence["pipe_listing"] = facts.listed
                                 ? nlohmann::json{{"count", facts.listed->size()}}
                                 : nlohmann::json{{"error", facts.listing_error.value_or("")}};
  evidence["host_process"] = facts.host_process;
  evidence["named_pipe_mounts"] =
      facts.host_process ? "not in a HostProcess container: it reaches the node's pipes directly"
                         : "a Windows container sees a node pipe only when it is mounted";
  if (!facts.skipped.empty()) evidence["skipped"] = facts.skipped;
  if (!facts.requested_paths.empty()) evidence["requested_paths"] = facts.requested_paths;

  std::vector<const Endpoint*> present, connected, refused, denied, requested, requested_connected;
  for (const auto& endpoint : facts.endpoints) {
    const bool is_requested = endpoint.origin == "requested";
    if (is_requested) requested.push_back(&endpoint);
    if (endpoint.state == "absent") continue;
    present.push_back(&endpoint);
    if (endpoint.state == "denied") denied.push_back(&endpoint);
    if (endpoint.state == "refused") refused.push_back(&endpoint);
    if (endpoint.state != "connected") continue;
    connected.push_back(&endpoint);
    if (is_requested) requested_connected.push_back(&endpoint);
  }
  const std::string how = facts.host_process
                              ? " (the node's own pipes, seen directly: a HostProcess container "
                                "gets no named-pipe mounts)"
                              : " (mounted into this container)";
  const auto denied_text = [&] {
    return "this process may not open " + joined(denied) +
           " (a permission check, not the pipe's answer)";
  };
  const auto refused_text = [&] {
    return "none accepts a connection: " + joined(refused) +
           " (ERROR_PIPE_BUSY: the pipe exists and every instance is in use)";
  };

  result.observed = !connected.empty()                    ? "connected"
                    : !present.empty() && refused.empty() ? "present_denied"
                    : !present.empty()                    ? "present_refused"
                                                          : "none";
  if (facts.requested == true) {
    const bool all_denied = !requested.empty() &&
                            std::all_of(requested.begin(), requested.end(),
                                        [](auto* endpoint) { return endpoint->state == "denied"; });
    if (requested_connected.empty() && all_denied) {
      // Mounted as asked; only this process's rights keep it from opening them.
      result.status = Status::untested;
      result.summary = "the requested named pipes are there, but " + denied_text();
    } else if (requested_connected.empty()) {
      const auto seen = requested.empty()
                            ? std::string("no requested named pipe was tried")
                            : "no requested named pipe accepts a connection: " + joined(requested);
      mark_ignored(result, "a named-pipe hostPath",
                   seen + (facts.host_process
                               ? " (a HostProcess container gets no named-pipe mounts, and the "
                                 "node serves no pipe of that name)"
                               : ""));
    } else if (requested_connected.size() < requested.size()) {
      result.status = Status::partial;
      result.summary =
          "some requested named pipes accept a connection, others do not: " + joined(requested);
    } else {
      result.status = Status::supported;
      result.summary =
          "the requested named pipes accept a connection (connect only, nothing sent): " +
          joined(requested_connected) + how;
    }
  } else if (!connected.empty()) {
    result.status = Status::supported;
    result.summary =
        "host named pipes are reachable and accept a connection (connect only, "
        "nothing sent): " +
        joined(connected) + how;
  } else if (!present.empty() && refused.empty()) {
    result.status = Status::untested;  // it needs a right this process lacks
    result.summary = "host named pipes are there, but " + denied_text();
  } else if (!present.empty()) {
    result.status = Status::partial;
    result.summary = "host named pipes are there but " + refused_text();
    if (!denied.empty()) result.summary += "; " + denied_text();
  } else {
    result.status = Status::untested;
    result.summary = "no host named pipe is reachable (" + std::to_string(facts.endpoints.size()) +
                     " runtime, kubelet and CSI proxy names tried)";
  }
  if (facts.listing_error)
    result.summary += "; the \\\\.\\pipe\\ listing failed (" + *facts.listing_error +
                      "), so only the well-known and requested names were tried";
  if (!facts.skipped.empty())
    result.summary += "; " + std::to_string(facts.skipped.size()) + " name(s) not tried";
  return result;
}

}  // namespace capprobe::probes::fs

namespace capprobe::probes {

Probe fs_pipe_mount_windows_probe() {
  return {fs::pipe_mount_info(), [](ProbeContext& ctx) {
            return fs::judge_windows_pipe_mount(fs::collect_windows_pipe_mount_facts(ctx));
          }};
}

}  // namespace capprobe::probes
