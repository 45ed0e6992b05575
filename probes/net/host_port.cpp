// net.host_port: the catalog entry, the trials and the judge; see host_port.hpp.
#include "probes/net/host_port.hpp"

#include "probes/common/json.hpp"
#include "probes/common/judge.hpp"
#include "probes/common/text.hpp"
#include "probes/common/worker.hpp"

namespace capprobe::probes::net {
namespace {

constexpr auto kTrialTimeout = std::chrono::milliseconds(1500);
constexpr std::size_t kMaxTrials = 4;

std::string port_text(const HostPortTrial& trial) {
  return trial.target + ":" + std::to_string(trial.host_port) + " -> " +
         std::to_string(trial.container_port);
}

}  // namespace

ProbeInfo host_port_info() {
  return {.id = "net.host_port",
          .title = "hostPort: the node forwards its port to the pod",
          .pod_spec_field = "containers[].ports[].hostPort",
          .scope = SpecScope::container,
          .platforms = {"linux", "windows"},
          .timeout = std::chrono::milliseconds(8000)};
}

std::string trial_state(const HostPortTrial& trial) {
  if (trial.skipped) return "skipped";
  if (trial.listen_error)
    return trial.listen_error == "EADDRINUSE" || trial.listen_error == "WSAEADDRINUSE"
               ? "port_in_use"
               : "listen_failed";
  if (trial.accepted) return "reached";
  if (!trial.connect_error) return "other_listener";
  return "not_forwarded";
}

HostPortFacts collect_host_port_facts(ProbeContext& ctx) {
  HostPortFacts facts;
  facts.timeout_ms = kTrialTimeout.count();
  const auto& requests = ctx.requests;
  if (requests.host_ports)
    facts.requested = requested_when(!requests.host_ports->empty(), requests);
  if (const auto ip = ctx.os.env("HOST_IP"); ip && !ip->empty()) facts.host_ip = ip;
  if (!requests.host_ports) return facts;
  for (const auto& port : *requests.host_ports) {
    HostPortTrial trial;
    trial.container_port = port.container_port;
    trial.host_port = port.host_port;
    trial.protocol = port.protocol;
    // ports[].hostIP binds the hostPort to one node address: that is where it answers.
    trial.target = !port.host_ip.empty() && port.host_ip != "0.0.0.0" && port.host_ip != "::"
                       ? port.host_ip
                       : facts.host_ip.value_or("");
    if (port.protocol != "TCP")
      trial.skipped = port.protocol + ": only TCP hostPorts are tried";
    else if (trial.target.empty())
      trial.skipped = "the node's address is not known (no HOST_IP from the downward API)";
    else if (facts.trials.size() >= kMaxTrials)
      trial.skipped = "over the limit of " + std::to_string(kMaxTrials) + " ports";
    facts.trials.push_back(trial);
  }
  Worker worker;
  auto& os = ctx.os;
  for (auto& trial : facts.trials) {
    if (trial.skipped) continue;
    const auto limit = step_limit(kTrialTimeout + std::chrono::milliseconds(500), ctx.deadline);
    const auto timeout = std::min(kTrialTimeout, limit);
    const auto listen = trial.container_port;
    const auto target = trial.target;
    const auto port = trial.host_port;
    const auto outcome = worker.run(limit, [&os, listen, target, port, timeout] {
      return os.port_trial(listen, target, port, timeout);
    });
    if (!outcome.done()) {
      trial.skipped = outcome.why_not(limit);
      continue;
    }
    const auto& answer = *outcome.value;
    if (!answer) {
      trial.listen_error = answer.error().name;
      continue;
    }
    if (answer.value().connect_error) trial.connect_error = answer.value().connect_error->name;
    trial.accepted = answer.value().accepted;
  }
  return facts;
}

CapabilityResult judge_host_port(const HostPortFacts& facts) {
  CapabilityResult result;
  result.id = "net.host_port";
  result.requested = facts.requested;
  auto& evidence = result.evidence;
  evidence["host_ip"] = json_or_null(facts.host_ip);
  evidence["timeout_ms"] = facts.timeout_ms;
  evidence["ports"] = nlohmann::json::array();
  std::vector<std::string> reached, not_forwarded, other, in_use, skipped;
  for (const auto& trial : facts.trials) {
    const auto state = trial_state(trial);
    nlohmann::json entry{
        {"container_port", trial.container_port},
        {"host_port", trial.host_port},
        {"protocol", trial.protocol},
        {"target", trial.target.empty() ? nlohmann::json() : nlohmann::json(trial.target)},
        {"state", state},
        {"connect_error", json_or_null(trial.connect_error)}};
    if (trial.listen_error) entry["listen_error"] = *trial.listen_error;
    if (trial.skipped) entry["skipped"] = *trial.skipped;
    evidence["ports"].push_back(entry);
    const auto text = port_text(trial);
    if (state == "reached") reached.push_back(text);
    if (state == "not_forwarded") not_forwarded.push_back(text + " (" + *trial.connect_error + ")");
    if (state == "other_listener") other.push_back(text);
    if (state == "port_in_use" || state == "listen_failed")
      in_use.push_back(std::to_string(trial.container_port) + " (" + *trial.listen_error + ")");
    if (state == "skipped")
      skipped.push_back(std::to_string(trial.host_port) + "/" + trial.protocol + ": " +
                        *trial.skipped);
  }
  if (facts.trials.empty()) {
    set_verdict(result, Status::untested, "not_requested",
                std::string(facts.requested == false ? "The pod spec asks for no hostPort"
                                                     : "No hostPort is known to be asked") +
                    ": nothing shows whether the node would forward one");
    return result;
  }
  if (!not_forwarded.empty()) {
    mark_ignored(
        result, "hostPort",
        "a connect to the node's port does not reach this pod: " + text::join(not_forwarded));
    result.observed = "not_forwarded";
    return result;
  }
  if (!other.empty()) {
    mark_ignored(result, "hostPort",
                 "the node's port answers, but not from this pod's listener (nothing was sent): " +
                     text::join(other));
    result.observed = "other_listener";
    return result;
  }
  if (!reached.empty()) {
    auto summary =
        "A connect to the node's port reaches this pod's listener (nothing sent, "
        "closed after): " +
        text::join(reached);
    if (!in_use.empty() || !skipped.empty())
      summary += "; not tried: " + text::join(in_use) + (in_use.empty() ? "" : "; ") +
                 text::join(skipped, "; ");
    set_verdict(result, Status::supported, "reached", summary);
    return result;
  }
  if (!in_use.empty()) {
    set_verdict(result, Status::untested, "port_in_use",
                "The containerPort is taken (by the workload itself, usually), so no listener of "
                "ours could stand behind the hostPort: " +
                    text::join(in_use));
    return result;
  }
  set_verdict(result, Status::untested, facts.host_ip ? "not_tried" : "no_host_ip",
              "The hostPorts were not tried: " + text::join(skipped, "; "));
  return result;
}

}  // namespace capprobe::probes::net
