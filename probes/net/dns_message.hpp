// The DNS wire format as far as net.dns needs it (RFC 1035): one query for a name's A records,
// and the answer's rcode and addresses. Pure: the platform sends the bytes (udp_exchange).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace capprobe::probes::net {

// A query with recursion desired, class IN, type A. Nullopt for a name that is no DNS name
// (an empty label, a label over 63 bytes, more than 253 bytes).
std::optional<std::string> dns_query(std::uint16_t id, const std::string& name);

struct DnsReply {
  int rcode = 0;                       // 0 NOERROR, 2 SERVFAIL, 3 NXDOMAIN...
  std::vector<std::string> addresses;  // the A records, dotted
  int answers = 0;                     // every record of the answer section (CNAMEs too)
};

// Nullopt when `bytes` is not a reply to query `id` (too short, another id, not a response,
// a malformed record).
std::optional<DnsReply> parse_dns_reply(const std::string& bytes, std::uint16_t id);

}  // namespace capprobe::probes::net
