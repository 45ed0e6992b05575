// Collects the Windows facts of host.pid, host.ipc and host.network: the Toolhelp snapshot, the
// names under \\.\pipe\, the network compartment, the adapters' addresses and HOST_IP. Every
// failure is kept as a fact.
#include <algorithm>
#include <cctype>

#include "platform/windows_facts.hpp"
#include "probes/common/json.hpp"
#include "probes/common/text.hpp"
#include "probes/host/host_windows.hpp"
#include "probes/isolation/facts_windows.hpp"

namespace capprobe::probes {

WindowsHostView collect_windows_host_view(const platform::Platform& os,
                                          const IsolationAssessment& isolation) {
  WindowsHostView view;
  view.isolation = {isolation.observed, isolation.flavor};
  view.environment = isolation.environment;
  const auto processes = platform::windows_facts(os).processes();
  if (!processes) {
    view.processes_error = processes.error();
    return view;
  }
  for (const auto& entry : processes.value()) {
    ++view.processes_seen;
    if (is_windows_node_agent(entry.image) &&
        std::find(view.node_agents.begin(), view.node_agents.end(), entry.image) ==
            view.node_agents.end())
      view.node_agents.push_back(entry.image);
  }
  std::sort(view.node_agents.begin(), view.node_agents.end());
  return view;
}

WindowsIpcFacts collect_windows_ipc_facts(const platform::Platform& os,
                                          const IsolationAssessment& isolation) {
  WindowsIpcFacts facts;
  facts.view = collect_windows_host_view(os, isolation);
  const auto pipes = platform::windows_facts(os).pipe_names();
  if (!pipes) {
    facts.pipes_error = pipes.error();
    return facts;
  }
  facts.pipes_seen = static_cast<int>(pipes.value().size());
  for (const auto& name : pipes.value())
    if (is_windows_node_pipe(name)) facts.node_pipes.push_back(name);
  std::sort(facts.node_pipes.begin(), facts.node_pipes.end());
  return facts;
}

WindowsNetworkFacts collect_windows_network_facts(const platform::Platform& os,
                                                  const IsolationAssessment& isolation) {
  WindowsNetworkFacts facts;
  facts.view = collect_windows_host_view(os, isolation);
  if (const auto compartment = platform::windows_facts(os).network_compartment())
    facts.compartment = compartment.value();
  else
    facts.compartment_error = compartment.error();
  if (const auto addresses = os.interface_addresses())
    facts.addresses = addresses.value();
  else
    facts.addresses_error = addresses.error().name;
  if (auto host_ip = os.env("HOST_IP"); host_ip && !text::trim(*host_ip).empty())
    facts.host_ip = std::string(text::trim(*host_ip));
  return facts;
}

void add_windows_view_evidence(nlohmann::json& evidence, const WindowsHostView& view) {
  evidence["namespace"] = nullptr;
  evidence["environment"] = view.environment;
  evidence["isolation"] = view.isolation.observed;
  evidence["node_agents_visible"] = view.node_agents;
  evidence["kubelet_visible"] =
      std::any_of(view.node_agents.begin(), view.node_agents.end(), [](const std::string& image) {
        std::string name = image;
        for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        return name == "kubelet.exe";
      });
  evidence["processes_seen"] =
      view.processes_error ? nlohmann::json(nullptr) : nlohmann::json(view.processes_seen);
  if (view.processes_error) evidence["processes_error"] = view.processes_error->name;
}

}  // namespace capprobe::probes
