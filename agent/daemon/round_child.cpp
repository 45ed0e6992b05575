// Both sides of the agent's round child: the request it is given, the child's run, and the
// agent's call of it.
#include "agent/daemon/round_child.hpp"

#include <iostream>
#include <iterator>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "agent/commands.hpp"
#include "agent/daemon/nfd_file.hpp"
#include "agent/log.hpp"
#include "agent/probe_round.hpp"
#include "agent/sweeper.hpp"
#include "agent/user_files.hpp"
#include "platform/process/child_process.hpp"
#include "probes/common/bounded.hpp"

namespace capprobe::agent::daemon {
namespace {

constexpr Millis kRoundMargin{30000};
constexpr std::size_t kMaxRequestBytes = 8u << 20;  // a pod spec is at most 4 MiB
constexpr std::chrono::milliseconds kNfdWriteLimit{10000};

std::set<std::string> id_set(const nlohmann::json& list) {
  std::set<std::string> ids;
  for (const auto& id : list) ids.insert(id.get<std::string>());
  return ids;
}

// The report is already out; the feature file may sit on a hung mount, so its write gets a
// bound of its own and the child exits when it passes (taking the stuck thread with it).
void write_nfd_file_bounded(const std::string& path, const Report& report,
                            const std::string& temp_name,
                            std::optional<std::chrono::system_clock::time_point> expires) {
  const auto log = logger("agent");
  const auto written = probes::run_bounded(kNfdWriteLimit, [path, report, temp_name, expires] {
    return write_nfd_file(path, report, temp_name, expires);
  });
  if (!written.done())
    log->warn("cannot write --nfd-file path={} error=\"{}\"", path,
              written.why_not(kNfdWriteLimit));
  else if (!written.value->empty())
    log->warn("cannot write --nfd-file path={} error=\"{}\"", path, *written.value);
}

}  // namespace

std::string round_request_json(const RoundRequest& request) {
  nlohmann::json json{{"only", request.selection.only},
                      {"skip", request.selection.skip},
                      {"quick", request.selection.quick},
                      {"pod_spec", nullptr},
                      {"nfd_file", nullptr},
                      {"nfd_lifetime_s", request.nfd_lifetime.count()}};
  if (request.pod_spec) json["pod_spec"] = *request.pod_spec;
  json["pod_spec_name"] = request.pod_spec_name;
  json["pod_lookup"] = request.pod_lookup.enabled;
  json["service_account_dir"] = nullptr;
  if (request.pod_lookup.service_account_dir)
    json["service_account_dir"] = *request.pod_lookup.service_account_dir;
  json["container"] = nullptr;
  if (request.container) json["container"] = *request.container;
  if (request.nfd_file) json["nfd_file"] = *request.nfd_file;
  return json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::optional<RoundRequest> parse_round_request(const std::string& text, std::string& why) {
  try {
    const auto json = nlohmann::json::parse(text);
    RoundRequest request;
    request.selection.only = id_set(json.at("only"));
    request.selection.skip = id_set(json.at("skip"));
    request.selection.quick = json.at("quick").get<bool>();
    if (const auto& spec = json.at("pod_spec"); !spec.is_null())
      request.pod_spec = spec.get<std::string>();
    request.pod_spec_name = json.at("pod_spec_name").get<std::string>();
    request.pod_lookup.enabled = json.at("pod_lookup").get<bool>();
    if (const auto& dir = json.at("service_account_dir"); !dir.is_null())
      request.pod_lookup.service_account_dir = dir.get<std::string>();
    if (const auto& container = json.at("container"); !container.is_null())
      request.container = container.get<std::string>();
    if (const auto& nfd = json.at("nfd_file"); !nfd.is_null())
      request.nfd_file = nfd.get<std::string>();
    request.nfd_lifetime = std::chrono::seconds(json.at("nfd_lifetime_s").get<std::int64_t>());
    return request;
  } catch (const nlohmann::json::exception& error) {
    why = std::string("not a round request: ") + error.what();
    return std::nullopt;
  }
}

Millis round_deadline(const std::vector<probes::Probe>& catalog) {
  Millis total = kRoundMargin;
  for (const auto& probe : catalog) total += probe.info.timeout;
  return total;
}

int run_round_child(platform::Platform& os, const std::vector<probes::Probe>& catalog,
                    std::istream& in, std::ostream& out, const PodGet& get_pod) {
  std::string text;
  char buffer[65536];
  while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
    text.append(buffer, static_cast<std::size_t>(in.gcount()));
    if (text.size() > kMaxRequestBytes) {
      std::cerr << "capprobe: the round request is too large\n";
      return 1;
    }
  }
  std::string why;
  const auto request = parse_round_request(text, why);
  if (!request) {
    std::cerr << "capprobe: " << why << "\n";
    return 1;
  }
  auto load = parse_pod_requests(request->pod_spec, request->pod_spec_name, request->container, os);
  if (!load.requests) {
    std::cerr << "capprobe: " << load.error << "\n";
    return 1;
  }
  if (!request->pod_spec)
    load = look_up_pod_requests(request->pod_lookup, request->container, os, get_pod);
  // A round killed at its deadline leaves its scratch files; the next round clears them (the
  // sweeper only takes what belongs to dead processes). The sweep happens here, in the child,
  // never in the agent's own process: a place on a hung mount can block a thread forever, and
  // only a child that is killed at its deadline takes such a thread with it.
  // The NFD file's directory too: a child killed in the middle of that write leaves its temp
  // file there, named after the child's own (now dead) pid.
  SweepScope sweep;
  sweep.requests = *load.requests;
  if (request->nfd_file) sweep.extra.push_back(directory_of(*request->nfd_file));
  log_sweep(sweep_residue(os, sweep));
  const auto report = run_probe_round(os, catalog, *load.requests, load.pod_spec,
                                      request->selection, "agent", new_scratch_name(os.self_pid()),
                                      api_access(request->pod_lookup, os, get_pod));
  out << to_json(report).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  if (!out.flush()) return 1;
  if (request->nfd_file)
    write_nfd_file_bounded(*request->nfd_file, report, new_scratch_name(os.self_pid()) + "-nfd",
                           request->nfd_lifetime.count() > 0
                               ? std::optional(os.wall_now() + request->nfd_lifetime)
                               : std::nullopt);
  return 0;
}

Report run_round_in_child(const RoundRequest& request, Millis deadline) {
  platform::reap_leftover_children();
  platform::ChildRequest child_request;
  child_request.program = platform::own_executable();
  child_request.argv = {"capprobe", "agent", kRoundChildFlag};
  child_request.input = round_request_json(request);
  child_request.deadline = deadline;
  // The round reads the pod's own job object on Windows (its CPU rate, its memory limit): a
  // job of ours around it would hide that one.
  child_request.own_job = false;
  const auto child = platform::run_child(child_request);
  if (!child.exited_ok())
    throw std::runtime_error("the round's child process failed (" + child.describe() + ")");
  try {
    return report_from_json(nlohmann::json::parse(child.output));
  } catch (const std::exception& error) {
    throw std::runtime_error(std::string("the round's child printed no usable report: ") +
                             error.what());
  }
}

}  // namespace capprobe::agent::daemon
