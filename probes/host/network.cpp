// host.network: does this process share the node's network namespace (hostNetwork)? The net
// namespace has no fixed initial inode, so the verdict rests on corroboration: pid 1's
// namespace when pid 1 is the node's init, the downward-API HOST_IP among our addresses, the
// node's own interfaces, a namespace with nothing but loopback, and the UTS namespace.
#include <algorithm>
#include <set>

#include "platform/linux_facts.hpp"
#include "probes/common/json.hpp"
#include "probes/common/text.hpp"
#include "probes/host/host_judge.hpp"
#include "probes/probe.hpp"

namespace capprobe::probes {
namespace {

std::vector<std::string> node_interfaces(const std::vector<std::string>& interfaces) {
  std::vector<std::string> out;
  std::copy_if(interfaces.begin(), interfaces.end(), std::back_inserter(out),
               [](const std::string& name) { return is_node_interface(name); });
  return out;
}

bool only_loopback(const std::vector<std::string>& interfaces) {
  return !interfaces.empty() &&
         std::all_of(interfaces.begin(), interfaces.end(), [](const std::string& name) {
           return name == "lo" || is_fallback_interface(name);
         });
}

bool host_ip_found(const NetworkFacts& facts) {
  return facts.host_ip && std::any_of(facts.addresses.begin(), facts.addresses.end(),
                                      [&facts](const platform::InterfaceAddress& a) {
                                        return a.address == *facts.host_ip;
                                      });
}

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
  const auto facts = collect_network_facts(ctx.os, isolation_of(ctx));
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
                                   const IsolationAssessment& isolation) {
  NetworkFacts facts;
  facts.net_ns = ns::read_namespace(os, "self", "net");
  facts.uts_ns = ns::read_namespace(os, "self", "uts");
  facts.pid_ns = ns::read_namespace(os, "self", "pid");
  facts.scan = ns::scan_processes(os);
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

HostVerdict judge_host_network(const NetworkFacts& facts) {
  HostVerdict v;
  const auto& link = facts.net_ns;
  const std::string name = link.readable() ? link.link : std::string("(unreadable)");
  const auto node_ifaces = node_interfaces(facts.interfaces);
  const std::string ifaces = facts.interfaces.empty()
                                 ? std::string("no interfaces seen")
                                 : "interfaces " + text::join(facts.interfaces);

  // The corroborations, strongest first; the first that applies decides.
  const auto decide = [&]() {
    if (facts.isolation.observed == "vm_guest") {
      v.observed = "isolated";
      v.seen = "network namespace " + name + " belongs to a " + facts.isolation.guest_name() +
               "'s kernel, not the node's (" + ifaces + ")";
      if (host_ip_found(facts)) v.seen += "; the node address HOST_IP is mirrored into the guest";
      return;
    }
    if (link.initial() == true) {
      v.observed = "shared";
      v.seen =
          "this process is in the kernel's initial network namespace " + name + " (" + ifaces + ")";
      return;
    }
    const auto& pid1 = facts.pid1_net_ns;
    if (link.readable() && pid1 && pid1->readable()) {
      v.observed = pid1->inode == link.inode ? "shared" : "isolated";
      v.seen = v.observed == "shared"
                   ? "this process shares network namespace " + name + " with the node's pid 1"
                   : "network namespace " + name + " differs from the node's pid 1's " + pid1->link;
      return;
    }
    if (facts.host_ip) {
      const bool found = host_ip_found(facts);
      v.observed = found ? "shared" : "isolated";
      v.seen = found ? "the node address HOST_IP " + *facts.host_ip +
                           " is one of this namespace's addresses"
                     : "the node address HOST_IP " + *facts.host_ip +
                           " is not among this namespace's addresses (" + ifaces + ")";
      return;
    }
    if (!node_ifaces.empty()) {
      v.observed = "shared";
      v.seen = "the node's own interfaces are visible (" + text::join(node_ifaces) + ")";
      return;
    }
    if (only_loopback(facts.interfaces)) {
      v.observed = "isolated";
      v.seen = "this process's network namespace has only loopback (" + ifaces + ")";
      return;
    }
    // Kubernetes puts hostNetwork pods in the node's UTS namespace too; a sandbox's says nothing.
    if (!facts.isolation.guest() && facts.uts_ns.initial() == true &&
        facts.isolation.observed != "host") {
      v.observed = "shared";
      v.seen =
          "this process is in the kernel's initial UTS namespace, which Kubernetes gives only to "
          "hostNetwork pods (" +
          ifaces + ")";
      return;
    }
    if (facts.isolation.observed == "host") {
      v.observed = "shared";
      v.seen =
          "this process is not in a container and uses the host's own network (" + ifaces + ")";
      return;
    }
    v.observed = "isolated";
    v.conclusive = false;
    v.seen = "this process presumably has its own network namespace " + name + ": " + ifaces +
             ", no node interface; set HOST_IP from status.hostIP to confirm";
  };
  decide();
  if (!link.readable()) {
    v.determined = false;
    v.undetermined_reason = ns::unreadable_reason(link);
  }
  return v;
}

Probe host_network_linux_probe() {
  return {{.id = "host.network",
           .title = "Node network namespace (hostNetwork)",
           .pod_spec_field = "hostNetwork",
           .platforms = {"linux"}},
          run};
}

}  // namespace capprobe::probes
