// host.network: does this process share the node's network namespace (hostNetwork)? On Linux
// the net namespace has no fixed initial inode, so the verdict rests on corroboration: pid 1's
// namespace when pid 1 is the node's init, the downward-API HOST_IP among our addresses, the
// node's own interfaces, a namespace with nothing but loopback, and the UTS namespace.
#include <algorithm>
#include <iterator>

#include "probes/common/text.hpp"
#include "probes/host/host_linux.hpp"
#include "probes/host/host_windows.hpp"

namespace capprobe::probes {
namespace {

bool only_loopback(const std::vector<std::string>& interfaces) {
  return !interfaces.empty() &&
         std::all_of(interfaces.begin(), interfaces.end(), [](const std::string& name) {
           return name == "lo" || is_fallback_interface(name);
         });
}

}  // namespace

ProbeInfo host_network_info() {
  return {.id = "host.network",
          .title = "Node network namespace (hostNetwork)",
          .pod_spec_field = "hostNetwork",
          .platforms = {"linux", "windows"}};
}

std::vector<std::string> node_interfaces(const std::vector<std::string>& interfaces) {
  std::vector<std::string> out;
  std::copy_if(interfaces.begin(), interfaces.end(), std::back_inserter(out),
               [](const std::string& name) { return is_node_interface(name); });
  return out;
}

bool host_ip_found(const NetworkFacts& facts) {
  return facts.host_ip && std::any_of(facts.addresses.begin(), facts.addresses.end(),
                                      [&facts](const platform::InterfaceAddress& a) {
                                        return a.address == *facts.host_ip;
                                      });
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

// Windows: a container gets its own network compartment (HNS), a Hyper-V isolated one a whole
// utility VM's network stack; HostProcess containers run in the node's primary compartment
// (hostNetwork is required with them). A namespaced container compartment also looks like a
// primary one from inside, so compartment 1 alone is no proof: HOST_IP is.
HostVerdict judge_windows_host_network(const WindowsNetworkFacts& facts) {
  HostVerdict v;
  const auto& view = facts.view;
  const auto kind = windows_kind_name(view.environment);
  const std::string compartment =
      facts.compartment
          ? "network compartment " + std::to_string(*facts.compartment)
          : "network compartment unknown (" + facts.compartment_error->describe() + ")";
  const bool addresses_known = !facts.addresses_error;
  if (view.isolation.observed == "vm_guest") {
    v.observed = "isolated";
    v.seen = "the network stack of this " + kind + " is its utility VM's (" + compartment +
             " of the VM), not the node's";
    return v;
  }
  if (facts.host_ip && addresses_known) {
    const bool found = facts.host_ip_found();
    v.observed = found ? "shared" : "isolated";
    v.seen = found ? "the node address HOST_IP " + *facts.host_ip +
                         " is one of this process's addresses (" + compartment + ")"
                   : "the node address HOST_IP " + *facts.host_ip +
                         " is not among this process's addresses (" + compartment + ")";
    return v;
  }
  if (facts.compartment && *facts.compartment != kPrimaryCompartment) {
    v.observed = "isolated";
    v.seen = "this " + kind + " runs in " + compartment + ", not the node's primary compartment " +
             std::to_string(kPrimaryCompartment);
    return v;
  }
  // HostProcess implies hostNetwork (documented), compartment read or not; a process outside
  // any container is in the primary compartment, which it must show.
  if (view.environment == "windows_hostprocess" ||
      (view.environment == "host" && facts.compartment)) {
    v.observed = "shared";
    v.seen = "this " + kind + " uses the node's network (" + compartment + ")";
    return v;
  }
  v.determined = false;
  if (facts.compartment) {
    v.observed = "shared";
    v.seen = "this " + kind + " runs in " + compartment + ", the primary one";
    v.undetermined_reason =
        "network compartment 1 is the node's primary compartment, but a container's namespaced "
        "compartment looks primary from inside too; HOST_IP (status.hostIP) would tell";
  } else {
    v.observed = view.environment == "host" ? "shared" : "isolated";
    v.seen = view.environment == "host"
                 ? "this is a " + kind + ", which uses the node's network"
                 : "this is a " + kind +
                       ", which has its own compartment unless hostNetwork is honoured";
    v.undetermined_reason =
        "the network compartment could not be read (" + facts.compartment_error->describe() +
        "; Wine does not export GetCurrentThreadCompartmentId) and " +
        (facts.host_ip ? "the addresses to find HOST_IP among could not be read (" +
                             facts.addresses_error.value_or("unknown") + ")"
                       : std::string("HOST_IP is not set")) +
        ", so nothing shows whose network this is";
  }
  return v;
}

}  // namespace capprobe::probes
