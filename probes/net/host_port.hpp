// net.host_port: when the pod asks for a hostPort and the node's address is known (HOST_IP from
// the downward API, status.hostIP), listen on the containerPort and connect to
// HOST_IP:hostPort: does the node forward it to us? vSphere Pods ignore hostPorts. Nothing is
// sent on the connection; the listener is closed after. OS-neutral (Platform::port_trial).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "probes/probe.hpp"

namespace capprobe::probes::net {

ProbeInfo host_port_info();

struct HostPortTrial {
  int container_port = 0;
  int host_port = 0;
  std::string protocol;
  std::string target;                        // the address connected to
  std::optional<std::string> skipped;        // why not tried
  std::optional<std::string> listen_error;   // our listener's bind/listen error (EADDRINUSE)
  std::optional<std::string> connect_error;  // the connect's error; none: connected
  bool accepted = false;                     // our listener took the connection
};

struct HostPortFacts {
  std::optional<bool> requested;
  std::optional<std::string> host_ip;  // HOST_IP
  std::vector<HostPortTrial> trials;
  std::int64_t timeout_ms = 0;
};

// "reached", "not_forwarded", "other_listener", "port_in_use", "skipped": one trial's state.
std::string trial_state(const HostPortTrial& trial);

HostPortFacts collect_host_port_facts(ProbeContext& ctx);
CapabilityResult judge_host_port(const HostPortFacts& facts);

}  // namespace capprobe::probes::net
