// host.network on Windows: the kind of process, the network compartment, the adapters'
// addresses and HOST_IP.
#include "probes/common/json.hpp"
#include "probes/host/host_windows.hpp"
#include "probes/probe.hpp"

namespace capprobe::probes {
namespace {

CapabilityResult run(ProbeContext& ctx) {
  CapabilityResult result;
  result.id = "host.network";
  result.requested = ctx.requests.host_network;
  const auto facts = collect_windows_network_facts(ctx.os, isolation_of(ctx));
  const auto verdict = judge_windows_host_network(facts);
  apply_host_verdict(result, verdict, "hostNetwork");
  auto& e = result.evidence;
  add_windows_view_evidence(e, facts.view);
  // The compartment is what a namespace is on Linux: the key other tools read.
  e["namespace"] = facts.compartment
                       ? nlohmann::json("compartment:" + std::to_string(*facts.compartment))
                       : nlohmann::json(nullptr);
  e["compartment"] = json_or_null(facts.compartment);
  if (facts.compartment_error) e["compartment_error"] = facts.compartment_error->name;
  nlohmann::json addresses = nlohmann::json::array();
  for (const auto& a : facts.addresses)
    addresses.push_back({{"interface", a.interface}, {"address", a.address}});
  e["addresses"] = addresses;
  if (facts.addresses_error) e["addresses_error"] = *facts.addresses_error;
  e["host_ip"] = json_or_null(facts.host_ip);
  e["host_ip_found"] = facts.host_ip ? nlohmann::json(facts.host_ip_found()) : nullptr;
  e["conclusive"] = verdict.conclusive;
  return result;
}

}  // namespace

Probe host_network_windows_probe() {
  return {host_network_info(), run};
}

}  // namespace capprobe::probes
