// What host.pid, host.network and host.ipc share: the isolation context, the node-view rule,
// interface naming, and turning a namespace judgement into the result and its verdict.
#include <algorithm>

#include "probes/common/json.hpp"
#include "probes/common/judge.hpp"
#include "probes/common/text.hpp"
#include "probes/host/host_linux.hpp"
#include "probes/host/host_windows.hpp"

namespace capprobe::probes {

std::string IsolationContext::guest_name() const {
  if (observed == "sandbox") return flavor.value_or("user-space kernel") + " sandbox";
  return flavor.value_or("pod") + " VM guest";
}

bool sees_node_init(const ns::NamespaceLink& pid_ns, const ns::ProcessScan& scan,
                    const IsolationContext& isolation) {
  if (isolation.guest()) return false;
  return pid_ns.initial() == true || !scan.node_agents.empty();
}

bool is_node_interface(std::string_view name) {
  // CNI bridges and overlays (cni0, flannel.1, cilium_host, vxlan.calico, kube-ipvs0, weave),
  // Docker's bridge, and the node-side ends of pod veths, which CNIs name veth*, cali*, lxc*
  // (Cilium), eni* (AWS VPC CNI), gke* (GKE), azv* (Azure CNI).
  static const std::vector<std::string_view> prefixes = {
      "cni",         "flannel", "cali",  "cilium_",      "docker", "veth", "vxlan", "kube-ipvs",
      "kube-bridge", "cbr0",    "weave", "nodelocaldns", "lxc",    "eni",  "gke",   "azv"};
  return std::any_of(prefixes.begin(), prefixes.end(),
                     [name](std::string_view prefix) { return text::starts_with(name, prefix); });
}

bool is_fallback_interface(std::string_view name) {
  static const std::vector<std::string_view> names = {
      "tunl0", "gre0", "gretap0", "erspan0", "ip_vti0", "ip6_vti0", "sit0", "ip6tnl0", "ip6gre0"};
  return std::find(names.begin(), names.end(), name) != names.end();
}

std::string windows_kind_name(std::string_view environment) {
  if (environment == "windows_hostprocess") return "HostProcess container";
  if (environment == "windows_process") return "process-isolated Windows container";
  if (environment == "windows_hyperv") return "Hyper-V isolated Windows container";
  if (environment == "host") return "process on the node itself";
  return "Windows process of unknown isolation";
}

bool is_windows_node_pipe(std::string_view name) {
  // containerd's and Docker's API pipes (DESIGN.md, fs.pipe_mount).
  return name == "containerd-containerd" || name == "docker_engine";
}

bool WindowsNetworkFacts::host_ip_found() const {
  return host_ip &&
         std::any_of(addresses.begin(), addresses.end(),
                     [this](const platform::InterfaceAddress& a) { return a.address == *host_ip; });
}

void add_namespace_evidence(nlohmann::json& evidence, const ns::NamespaceLink& own,
                            const ns::ProcessScan& scan, const IsolationContext& isolation) {
  evidence["namespace"] = own.json();
  if (own.error) evidence["namespace_error"] = own.error->name;
  evidence["initial_namespace"] = json_or_null(own.initial());
  evidence["node_agents_visible"] = scan.node_agents;
  evidence["isolation"] = isolation.observed;
}

void add_pid1_namespace_evidence(nlohmann::json& evidence,
                                 const std::optional<ns::NamespaceLink>& pid1) {
  evidence["pid1_namespace"] = pid1 ? pid1->json() : nlohmann::json(nullptr);
  if (pid1 && pid1->error) evidence["pid1_namespace_error"] = pid1->error->name;
}

void apply_host_verdict(CapabilityResult& result, const HostVerdict& verdict,
                        std::string_view field) {
  result.observed = verdict.observed;
  if (!verdict.applicable) {
    result.status = Status::not_applicable;
    result.summary = verdict.not_applicable_reason + " (" + verdict.seen + ")";
    if (result.requested == true)
      result.summary = std::string(field) + " was requested, but " + result.summary;
    return;
  }
  if (!verdict.determined) {
    result.status = Status::untested;
    result.summary = verdict.undetermined_reason + "; the other signals suggest " +
                     verdict.observed + " (" + verdict.seen + ")";
    return;
  }
  const bool shared = verdict.observed == "shared";
  if (!shared && !verdict.conclusive && result.requested == true) {
    // A best guess must not become the loudest finding this tool makes.
    result.status = Status::untested;
    result.summary = std::string(field) + " was requested; " + verdict.seen +
                     ", which is not conclusive, so it is not reported as ignored";
    return;
  }
  judge_switch(result, shared, field, verdict.seen);
}

}  // namespace capprobe::probes
