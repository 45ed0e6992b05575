// net.dns: resolv.conf against dnsPolicy/dnsConfig, the one query (its wire format, its name
// from the namespace search path, its server), and every verdict.
#include <catch2/catch.hpp>

#include "probes/common/judge.hpp"
#include "probes/net/dns.hpp"
#include "probes/probe_list.hpp"
#include "tests/unit/probes/fs_test_support.hpp"

using capprobe::platform::FakePlatform;
using capprobe::probes::DnsConfigRequest;
using capprobe::probes::PodRequests;
using capprobe::probes::Status;
using capprobe::probes::net::dns_query;
using capprobe::probes::net::parse_dns_reply;
using capprobe::probes::net::parse_resolv_conf;
using capprobe::testing::context_for;

namespace {

const std::string kClusterFirst =
    "search team-a.svc.cluster.local svc.cluster.local cluster.local corp.example\n"
    "nameserver 10.96.0.10\n"
    "options ndots:5\n";

// A reply to `query` with one A record per address (the name by a pointer to the question).
std::string reply_to(const std::string& query, int rcode, const std::vector<std::string>& ips) {
  std::string reply = query;
  reply[2] = static_cast<char>(0x81);
  reply[3] = static_cast<char>(0x80 | rcode);
  reply[7] = static_cast<char>(ips.size());
  for (const auto& ip : ips) {
    reply += std::string("\xC0\x0C\x00\x01\x00\x01\x00\x00\x00\x1E\x00\x04", 12);
    int a, b, c, d;
    std::sscanf(ip.c_str(), "%d.%d.%d.%d", &a, &b, &c, &d);
    for (int part : {a, b, c, d}) reply += static_cast<char>(part);
  }
  return reply;
}

PodRequests pod_in(const std::string& ns) {
  PodRequests requests;
  requests.from_pod_spec = true;
  requests.host_network = false;
  requests.pod_namespace = ns;
  return requests;
}

capprobe::probes::CapabilityResult run(FakePlatform& os, const PodRequests& requests) {
  auto ctx = context_for(os, requests);
  return capprobe::probes::net_dns_linux_probe().run(ctx);
}

// A cluster DNS that knows kubernetes.default.svc.cluster.local.
void serve_cluster_dns(FakePlatform& os) {
  os.udp_server = [](const std::string&, int, const std::string& query) {
    const bool known = query.find(
                           "\x0a"
                           "kubernetes\x07"
                           "default\x03"
                           "svc\x07"
                           "cluster\x05"
                           "local") != std::string::npos;
    return capprobe::platform::Result<std::string>(
        reply_to(query, known ? 0 : 3,
                 known ? std::vector<std::string>{"10.96.0.1"} : std::vector<std::string>{}));
  };
}

}  // namespace

TEST_CASE("the DNS query and reply wire format") {
  const auto query = dns_query(0x1234, "kubernetes.default.svc.cluster.local.");
  REQUIRE(query);
  CHECK(query->size() == 12 + 38 + 4);
  CHECK(query->substr(0, 4) == std::string("\x12\x34\x01\x00", 4));
  const auto reply = parse_dns_reply(reply_to(*query, 0, {"10.96.0.1", "10.96.0.2"}), 0x1234);
  REQUIRE(reply);
  CHECK(reply->rcode == 0);
  CHECK(reply->addresses == std::vector<std::string>{"10.96.0.1", "10.96.0.2"});
  CHECK_FALSE(parse_dns_reply(reply_to(*query, 0, {}), 0x9999));  // another query's
  CHECK_FALSE(parse_dns_reply(*query, 0x1234));                   // not a response
  CHECK_FALSE(dns_query(1, "a..b"));
  // A label of 64 bytes, one over the limit.
  CHECK_FALSE(dns_query(1, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx.svc"));
}

TEST_CASE("resolv.conf: nameservers, the last search line, options with and without values") {
  const auto conf = parse_resolv_conf(
      "# comment\nnameserver 10.0.0.1\nsearch a b\nsearch c.svc.x svc.x x\nnameserver "
      "10.0.0.2\noptions ndots:5 edns0\n");
  CHECK(conf.nameservers == std::vector<std::string>{"10.0.0.1", "10.0.0.2"});
  CHECK(conf.searches == std::vector<std::string>{"c.svc.x", "svc.x", "x"});
  REQUIRE(conf.options.size() == 2);
  CHECK(conf.options[0].value == "5");
  CHECK_FALSE(conf.options[1].value);
}

TEST_CASE("net.dns: ClusterFirst as asked, and kubernetes.default.svc resolves in one query") {
  FakePlatform os;
  os.file("/etc/resolv.conf", kClusterFirst);
  serve_cluster_dns(os);
  const auto result = run(os, pod_in("team-a"));
  INFO(result.summary);
  CHECK(result.status == Status::supported);
  CHECK(result.observed == "resolved");
  CHECK(result.requested == false);  // the default policy, no dnsConfig
  REQUIRE(os.udp_sent.size() == 1);  // one lookup, to the first nameserver's port 53
  CHECK(os.udp_sent[0] == std::pair<std::string, int>{"10.96.0.10", 53});
  CHECK(result.evidence["query"]["name"] == "kubernetes.default.svc.cluster.local");
  CHECK(result.evidence["query"]["addresses"][0] == "10.96.0.1");
  CHECK(result.evidence["cluster_domain"] == "cluster.local");
}

TEST_CASE("net.dns: a resolver that does not know the name, or does not answer") {
  FakePlatform os;
  os.file("/etc/resolv.conf", kClusterFirst);
  SECTION("NXDOMAIN") {
    os.udp_server = [](const std::string&, int, const std::string& query) {
      return capprobe::platform::Result<std::string>(reply_to(query, 3, {}));
    };
    const auto result = run(os, pod_in("team-a"));
    CHECK(result.status == Status::unsupported);
    CHECK(result.observed == "unresolved");
    CHECK_THAT(result.summary, Catch::Contains("NXDOMAIN"));
  }
  SECTION("no answer") {
    os.udp_server = [](const std::string&, int, const std::string&) {
      return capprobe::platform::Result<std::string>(
          capprobe::platform::fake_error("ETIMEDOUT", "udp"));
    };
    const auto result = run(os, pod_in("team-a"));
    CHECK(result.observed == "unresolved");
    CHECK(result.evidence["query"]["error"] == "ETIMEDOUT");
  }
}

TEST_CASE("net.dns: dnsConfig and dnsPolicy that resolv.conf does not show are ignored") {
  FakePlatform os;
  os.file("/etc/resolv.conf", kClusterFirst);
  serve_cluster_dns(os);
  SECTION("a dnsConfig nameserver and option missing") {
    auto requests = pod_in("team-a");
    requests.dns_config = DnsConfigRequest{{"1.2.3.4"}, {"extra.example"}, {{"ndots", "2"}}};
    const auto result = run(os, requests);
    INFO(result.summary);
    CHECK(result.requested_but_ignored());
    CHECK(result.observed == "config_ignored");
    const auto mismatches = result.evidence["mismatches"].dump();
    CHECK_THAT(mismatches, Catch::Contains("nameserver 1.2.3.4 is missing"));
    CHECK_THAT(mismatches, Catch::Contains("extra.example is missing"));
    CHECK_THAT(mismatches, Catch::Contains("ndots:2 is ndots:5"));
  }
  SECTION("dnsPolicy None") {
    auto requests = pod_in("team-a");
    requests.dns_policy = "None";
    requests.dns_config = DnsConfigRequest{{"10.96.0.10"}, {"only.example"}, {}};
    const auto result = run(os, requests);
    CHECK(result.requested_but_ignored());
    CHECK_THAT(result.evidence["mismatches"].dump(),
               Catch::Contains("dnsPolicy None, yet search domain team-a.svc.cluster.local"));
  }
  SECTION("dnsPolicy Default with the cluster's search path") {
    auto requests = pod_in("team-a");
    requests.dns_policy = "Default";
    const auto result = run(os, requests);
    CHECK(result.requested_but_ignored());
  }
  SECTION("ClusterFirst of another namespace: not requested, still a mismatch") {
    const auto result = run(os, pod_in("team-b"));
    CHECK(result.status == Status::unsupported);
    CHECK(result.observed == "config_mismatch");
    CHECK_FALSE(result.requested_but_ignored());
  }
}

TEST_CASE("net.dns: dnsConfig honoured, and hostNetwork ClusterFirst is the node's resolver") {
  FakePlatform os;
  serve_cluster_dns(os);
  SECTION("dnsConfig") {
    os.file("/etc/resolv.conf",
            "search team-a.svc.cluster.local svc.cluster.local cluster.local extra.example\n"
            "nameserver 10.96.0.10\nnameserver 1.2.3.4\noptions ndots:2 edns0\n");
    auto requests = pod_in("team-a");
    requests.dns_config =
        DnsConfigRequest{{"1.2.3.4"}, {"extra.example"}, {{"ndots", "2"}, {"edns0", {}}}};
    const auto result = run(os, requests);
    INFO(result.evidence.dump());
    CHECK(result.status == Status::supported);
    CHECK(result.requested == true);
  }
  SECTION("hostNetwork") {
    os.file("/etc/resolv.conf", "nameserver 192.168.1.1\nsearch corp.example\n");
    auto requests = pod_in("team-a");
    requests.host_network = true;
    const auto result = run(os, requests);
    CHECK(result.evidence["policy"] == "Default");
    CHECK(result.status == Status::untested);
    CHECK(result.observed == "no_cluster_dns");
    CHECK(os.udp_sent.empty());
  }
}

TEST_CASE("net.dns outside a cluster, without resolv.conf, and on Windows") {
  FakePlatform os;
  const PodRequests none;
  SECTION("no resolv.conf") {
    const auto result = run(os, none);
    CHECK(result.status == Status::untested);
    CHECK(result.observed == "no_resolver");
  }
  SECTION("a resolver with no cluster domain: no query") {
    os.file("/etc/resolv.conf", "nameserver 127.0.0.53\nsearch home\n");
    const auto result = run(os, none);
    CHECK(result.observed == "no_cluster_dns");
    CHECK(os.udp_sent.empty());
  }
  SECTION("Windows says why it sends nothing") {
    auto ctx = context_for(os, none);
    const auto result = capprobe::probes::net_dns_windows_probe().run(ctx);
    CHECK(result.status == Status::untested);
    CHECK(os.udp_sent.empty());
  }
}
