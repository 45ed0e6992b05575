// net.dns: the pod's resolver configuration against what its spec asks (dnsPolicy, dnsConfig:
// nameservers, search domains, options such as ndots), and one lookup of the API server's
// service name, kubernetes.default.svc under the cluster domain the namespace search path
// names, sent to the first nameserver as a single UDP query with a deadline.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "probes/net/dns_message.hpp"
#include "probes/probe.hpp"

namespace capprobe::probes::net {

ProbeInfo dns_info();

inline constexpr const char* kResolvConf = "/etc/resolv.conf";

struct ResolvConf {
  std::vector<std::string> nameservers;
  std::vector<std::string> searches;
  std::vector<DnsOption> options;  // "ndots" with "5", "edns0" without a value
};

ResolvConf parse_resolv_conf(const std::string& text);

struct DnsFacts {
  std::optional<std::string> resolv_error;  // resolv.conf could not be read
  ResolvConf conf;
  std::optional<bool> requested;  // the spec sets dnsPolicy or dnsConfig
  std::string policy;             // the effective dnsPolicy; "" without a pod spec
  std::optional<std::string> pod_namespace;
  std::optional<DnsConfigRequest> dns_config;
  std::vector<std::string> mismatches;  // how resolv.conf differs from what the spec asks
  std::optional<std::string> cluster_domain;
  std::optional<std::string> query_name;
  std::optional<std::string> server;
  std::optional<DnsReply> reply;
  std::optional<std::string> query_error;  // the exchange's error (ETIMEDOUT...), or a bad reply
  std::optional<std::string> not_queried;  // why no lookup was sent
  std::int64_t timeout_ms = 0;
};

// What resolv.conf should hold for the spec (facts.policy, dns_config, pod_namespace), as
// sentences of what differs; pure.
std::vector<std::string> dns_mismatches(const DnsFacts& facts);

// The cluster domain from the search list: "cluster.local" from "<ns>.svc.cluster.local".
std::optional<std::string> cluster_domain(const ResolvConf& conf,
                                          const std::optional<std::string>& pod_namespace);

DnsFacts collect_dns_facts(ProbeContext& ctx);
CapabilityResult judge_dns(const DnsFacts& facts);

}  // namespace capprobe::probes::net
