// net.dns: the catalog entry, resolv.conf against the spec, the one lookup and the judge; see
// dns.hpp.
#include "probes/net/dns.hpp"

#include <algorithm>

#include "probes/common/bounded.hpp"
#include "probes/common/json.hpp"
#include "probes/common/judge.hpp"
#include "probes/common/text.hpp"

namespace capprobe::probes::net {
namespace {

constexpr auto kQueryTimeout = std::chrono::milliseconds(1500);

bool has(const std::vector<std::string>& list, const std::string& item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

const DnsOption* option_named(const std::vector<DnsOption>& options, const std::string& name) {
  // The resolver takes the last one given.
  const DnsOption* found = nullptr;
  for (const auto& option : options)
    if (option.name == name) found = &option;
  return found;
}

std::string option_text(const DnsOption& option) {
  return option.name + (option.value ? ":" + *option.value : "");
}

}  // namespace

ProbeInfo dns_info() {
  return {.id = "net.dns",
          .title = "Cluster DNS: resolv.conf as the pod asked, and a lookup",
          .pod_spec_field = "dnsPolicy, dnsConfig",
          .scope = SpecScope::pod,
          .platforms = {"linux", "windows"},
          .timeout = std::chrono::milliseconds(3000)};
}

ResolvConf parse_resolv_conf(const std::string& text) {
  ResolvConf conf;
  for (const auto& raw : text::lines(text)) {
    const auto line = std::string(text::trim(raw));
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    const auto words = text::split_whitespace(line);
    if (words.empty()) continue;
    if (words[0] == "nameserver" && words.size() > 1) {
      conf.nameservers.push_back(words[1]);
    } else if (words[0] == "search" || words[0] == "domain") {
      // The last search (or domain) line wins, as in the resolver.
      conf.searches.assign(words.begin() + 1, words.end());
    } else if (words[0] == "options") {
      for (std::size_t i = 1; i < words.size(); ++i) {
        const auto colon = words[i].find(':');
        if (colon == std::string::npos)
          conf.options.push_back({words[i], std::nullopt});
        else
          conf.options.push_back({words[i].substr(0, colon), words[i].substr(colon + 1)});
      }
    }
  }
  return conf;
}

std::optional<std::string> cluster_domain(const ResolvConf& conf,
                                          const std::optional<std::string>& pod_namespace) {
  for (const auto& search : conf.searches) {
    const auto svc = search.find(".svc.");
    if (svc == std::string::npos || svc == 0) continue;
    if (pod_namespace && search.substr(0, svc) != *pod_namespace) continue;
    return search.substr(svc + 5);
  }
  return std::nullopt;
}

std::vector<std::string> dns_mismatches(const DnsFacts& facts) {
  std::vector<std::string> problems;
  const auto& conf = facts.conf;
  const auto& policy = facts.policy;
  if (policy == "ClusterFirst" || policy == "ClusterFirstWithHostNet") {
    const auto domain = cluster_domain(conf, facts.pod_namespace);
    if (!domain) {
      problems.push_back("dnsPolicy " + policy + " but no search domain " +
                         (facts.pod_namespace ? *facts.pod_namespace : std::string("<namespace>")) +
                         ".svc.<cluster domain>");
    } else {
      const auto first =
          (facts.pod_namespace ? *facts.pod_namespace : std::string("")) + ".svc." + *domain;
      if (facts.pod_namespace && (conf.searches.empty() || conf.searches[0] != first))
        problems.push_back("the first search domain is not " + first);
      for (const auto& needed : {"svc." + *domain, *domain})
        if (!has(conf.searches, needed))
          problems.push_back("the search domain " + needed + " is missing");
    }
    const auto* ndots = option_named(conf.options, "ndots");
    const bool config_sets_ndots =
        facts.dns_config && option_named(facts.dns_config->options, "ndots") != nullptr;
    if (!config_sets_ndots && (!ndots || ndots->value != "5"))
      problems.push_back("options ndots is " + (ndots ? ndots->value.value_or("unset") : "unset") +
                         ", not the 5 of the cluster's policy");
  } else if (policy == "Default") {
    for (const auto& search : conf.searches)
      if (search.find(".svc.") != std::string::npos) {
        problems.push_back("dnsPolicy Default, yet the cluster search domain " + search +
                           " is there");
        break;
      }
  }
  if (facts.dns_config) {
    const auto& asked = *facts.dns_config;
    for (const auto& server : asked.nameservers)
      if (!has(conf.nameservers, server))
        problems.push_back("dnsConfig nameserver " + server + " is missing");
    for (const auto& search : asked.searches)
      if (!has(conf.searches, search))
        problems.push_back("dnsConfig search domain " + search + " is missing");
    for (const auto& option : asked.options) {
      const auto* seen = option_named(conf.options, option.name);
      if (!seen || (option.value && seen->value != option.value))
        problems.push_back("dnsConfig option " + option_text(option) + " is " +
                           (seen ? option_text(*seen) : std::string("missing")));
    }
    if (policy == "None") {
      for (const auto& server : conf.nameservers)
        if (!has(asked.nameservers, server))
          problems.push_back("dnsPolicy None, yet nameserver " + server + " is there");
      for (const auto& search : conf.searches)
        if (!has(asked.searches, search))
          problems.push_back("dnsPolicy None, yet search domain " + search + " is there");
    }
  }
  return problems;
}

DnsFacts collect_dns_facts(ProbeContext& ctx) {
  DnsFacts facts;
  facts.timeout_ms = kQueryTimeout.count();
  const auto& requests = ctx.requests;
  if (requests.from_pod_spec) {
    facts.requested = requests.dns_policy.has_value() || requests.dns_config.has_value();
    facts.policy = requests.dns_policy.value_or("ClusterFirst");
    // ClusterFirst in a hostNetwork pod falls back to the node's resolver ("Default").
    if (facts.policy == "ClusterFirst" && requests.host_network == true) facts.policy = "Default";
    facts.dns_config = requests.dns_config;
  }
  facts.pod_namespace = requests.pod_namespace;
  if (!facts.pod_namespace)
    if (const auto ns = ctx.os.env("POD_NAMESPACE"); ns && !ns->empty()) facts.pod_namespace = ns;
  const auto text = ctx.os.read_through(kResolvConf, 64 * 1024);
  if (!text) {
    facts.resolv_error = text.error().name;
    facts.not_queried = std::string(kResolvConf) + " cannot be read";
    return facts;
  }
  facts.conf = parse_resolv_conf(text.value());
  if (!facts.policy.empty()) facts.mismatches = dns_mismatches(facts);
  facts.cluster_domain = cluster_domain(facts.conf, facts.pod_namespace);
  if (!facts.cluster_domain) facts.cluster_domain = cluster_domain(facts.conf, std::nullopt);
  if (!facts.cluster_domain) {
    facts.not_queried = "no cluster search domain (<namespace>.svc.<domain>) in " +
                        std::string(kResolvConf) + ": not a cluster's resolver";
    return facts;
  }
  if (facts.conf.nameservers.empty()) {
    facts.not_queried = std::string("no nameserver in ") + kResolvConf;
    return facts;
  }
  // The name as the search path resolves it: kubernetes.default.svc + the cluster domain (the
  // search list's last cluster entry), sent once, to the first nameserver, as the resolver does.
  facts.query_name = "kubernetes.default.svc." + *facts.cluster_domain;
  facts.server = facts.conf.nameservers.front();
  const auto limit = step_limit(kQueryTimeout, ctx.deadline, std::chrono::milliseconds(100));
  if (limit.count() <= 0) {
    facts.not_queried = "out of time";
    return facts;
  }
  const auto id = static_cast<std::uint16_t>(std::hash<std::string>{}(ctx.scratch_name) & 0xFFFF);
  const auto query = dns_query(id, *facts.query_name);
  if (!query) {
    facts.not_queried = "the cluster domain makes no DNS name: " + *facts.query_name;
    return facts;
  }
  const auto answer = ctx.os.udp_exchange(*facts.server, 53, *query, limit);
  if (!answer) {
    facts.query_error = answer.error().name;
    return facts;
  }
  facts.reply = parse_dns_reply(answer.value(), id);
  if (!facts.reply) facts.query_error = "a reply that is not an answer to the query";
  return facts;
}

CapabilityResult judge_dns(const DnsFacts& facts) {
  CapabilityResult result;
  result.id = "net.dns";
  result.requested = facts.requested;
  auto& evidence = result.evidence;
  evidence["resolv_conf"] = {{"nameservers", facts.conf.nameservers},
                             {"searches", facts.conf.searches},
                             {"options", nlohmann::json::array()}};
  for (const auto& option : facts.conf.options)
    evidence["resolv_conf"]["options"].push_back(option_text(option));
  if (facts.resolv_error) evidence["resolv_conf_error"] = *facts.resolv_error;
  evidence["policy"] = facts.policy.empty() ? nlohmann::json() : nlohmann::json(facts.policy);
  evidence["mismatches"] = facts.mismatches;
  evidence["cluster_domain"] = json_or_null(facts.cluster_domain);
  evidence["query"] = {{"name", json_or_null(facts.query_name)},
                       {"server", json_or_null(facts.server)},
                       {"timeout_ms", facts.timeout_ms}};
  if (facts.reply) {
    evidence["query"]["rcode"] = facts.reply->rcode;
    evidence["query"]["addresses"] = facts.reply->addresses;
  }
  if (facts.query_error) evidence["query"]["error"] = *facts.query_error;
  if (facts.not_queried) evidence["query"]["not_sent"] = *facts.not_queried;

  if (facts.resolv_error) {
    set_verdict(result, Status::untested, "no_resolver",
                std::string(kResolvConf) + " cannot be read (" + *facts.resolv_error +
                    "): nothing shows how this pod resolves names");
    return result;
  }
  if (!facts.mismatches.empty()) {
    const auto seen = "/etc/resolv.conf differs from what dnsPolicy " + facts.policy +
                      (facts.dns_config ? " and dnsConfig ask" : " asks") + ": " +
                      text::join(facts.mismatches, "; ");
    if (facts.requested == true) {
      mark_ignored(result, "dnsPolicy/dnsConfig", seen);
      result.observed = "config_ignored";
    } else {
      set_verdict(result, Status::unsupported, "config_mismatch", text::capitalized(seen));
    }
    return result;
  }
  if (facts.not_queried) {
    set_verdict(result, Status::untested, "no_cluster_dns",
                "No lookup was sent: " + *facts.not_queried);
    return result;
  }
  const auto asked = *facts.query_name + " at " + *facts.server;
  if (facts.reply && facts.reply->rcode == 0) {
    set_verdict(result, Status::supported, "resolved",
                "The cluster DNS resolves " + asked +
                    (facts.reply->addresses.empty() ? std::string(" (no IPv4 address)")
                                                    : " to " + text::join(facts.reply->addresses)) +
                    (facts.policy.empty()
                         ? std::string()
                         : "; /etc/resolv.conf is as dnsPolicy " + facts.policy + " asks"));
    return result;
  }
  const auto why = facts.reply
                       ? (facts.reply->rcode == 3 ? std::string("NXDOMAIN")
                                                  : "rcode " + std::to_string(facts.reply->rcode))
                       : facts.query_error.value_or("no answer");
  set_verdict(result, Status::unsupported, "unresolved",
              "The cluster DNS does not resolve " + asked + " (" + why + ")");
  return result;
}

}  // namespace capprobe::probes::net
