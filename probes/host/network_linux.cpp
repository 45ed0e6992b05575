// host.network on Linux: our network and UTS namespace links, pid 1's when pid 1 is the node's
// init, getifaddrs and /proc/self/net/dev, and HOST_IP from the downward API.
#include <set>

#include "platform/linux_facts.hpp"
#include "probes/common/json.hpp"
#include "probes/common/text.hpp"
#include "probes/host/host_linux.hpp"
#include "probes/probe.hpp"
#include "probes/round_reads.hpp"

namespace capprobe::probes {
namespace {

// /proc/self/net/dev lists every interface of our namespace, also those without an address
// (node-side veths often have none), which getifaddrs' addresses would miss.
std::vector<std::string> net_dev_names(const platform::Platform& os) {
  std::vector<std::string> names;
  auto content = platform::linux_facts(os).read_file("/proc/self/net/dev", 1 << 20);
  if (!content) return names;
  for (const auto& line : text::lines(content.value())) {
    const auto colon = line.find(':');
    if (colon == std::string::npos || line.find('|') != std::string::npos) continue;
    const auto name = text::trim(std::string_view(line).substr(0, colon));
    if (!name.empty()) names.emplace_back(name);
  }
  return names;
}

CapabilityResult run(ProbeContext& ctx) {
  CapabilityResult result;
  result.id = "host.network";
  result.requested = ctx.requests.host_network;
  const auto facts = collect_network_facts(ctx.os, isolation_of(ctx), process_scan_of(ctx));
  const auto verdict = judge_host_network(facts);
  apply_host_verdict(result, verdict, "hostNetwork");
  auto& e = result.evidence;
  add_namespace_evidence(e, facts.net_ns, facts.scan, facts.isolation);
  add_pid1_namespace_evidence(e, facts.pid1_net_ns);
  e["uts_namespace"] = facts.uts_ns.json();
  e["interfaces"] = facts.interfaces;
  e["node_interfaces"] = node_interfaces(facts.interfaces);
  nlohmann::json addresses = nlohmann::json::array();
  for (const auto& a : facts.addresses)
    addresses.push_back({{"interface", a.interface}, {"address", a.address}});
  e["addresses"] = addresses;
  if (facts.addresses_error) e["addresses_error"] = *facts.addresses_error;
  e["host_ip"] = json_or_null(facts.host_ip);
  e["host_ip_found"] = facts.host_ip ? nlohmann::json(host_ip_found(facts)) : nullptr;
  e["conclusive"] = verdict.conclusive;
  return result;
}

}  // namespace

NetworkFacts collect_network_facts(const platform::Platform& os,
                                   const IsolationAssessment& isolation,
                                   const ns::ProcessScan& scan) {
  NetworkFacts facts;
  facts.net_ns = ns::read_namespace(os, "self", "net");
  facts.uts_ns = ns::read_namespace(os, "self", "uts");
  facts.pid_ns = ns::read_namespace(os, "self", "pid");
  facts.scan = scan;
  facts.isolation = {isolation.observed, isolation.flavor};
  if (sees_node_init(facts.pid_ns, facts.scan, facts.isolation))
    facts.pid1_net_ns = ns::read_namespace(os, "1", "net");
  std::set<std::string> names;
  if (auto addresses = os.interface_addresses()) {
    facts.addresses = addresses.value();
    for (const auto& a : facts.addresses) names.insert(a.interface);
  } else {
    facts.addresses_error = addresses.error().name;
  }
  for (auto& name : net_dev_names(os)) names.insert(std::move(name));
  facts.interfaces.assign(names.begin(), names.end());
  if (auto host_ip = os.env("HOST_IP"); host_ip && !text::trim(*host_ip).empty())
    facts.host_ip = std::string(text::trim(*host_ip));
  return facts;
}

Probe host_network_linux_probe() {
  return {host_network_info(), run};
}

}  // namespace capprobe::probes
