// The DNS wire format for net.dns; see dns_message.hpp.
#include "probes/net/dns_message.hpp"

namespace capprobe::probes::net {
namespace {

void put16(std::string& out, std::uint16_t value) {
  out += static_cast<char>(value >> 8);
  out += static_cast<char>(value & 0xFF);
}

std::uint16_t get16(const std::string& bytes, std::size_t at) {
  return static_cast<std::uint16_t>((static_cast<unsigned char>(bytes[at]) << 8) |
                                    static_cast<unsigned char>(bytes[at + 1]));
}

// The offset after the name at `at` (labels, or a compression pointer); nullopt if malformed.
std::optional<std::size_t> skip_name(const std::string& bytes, std::size_t at) {
  for (int labels = 0; labels < 128; ++labels) {
    if (at >= bytes.size()) return std::nullopt;
    const auto length = static_cast<unsigned char>(bytes[at]);
    if (length == 0) return at + 1;
    if ((length & 0xC0) == 0xC0)
      return at + 2 <= bytes.size() ? std::optional(at + 2) : std::nullopt;
    if ((length & 0xC0) != 0) return std::nullopt;
    at += 1 + length;
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> dns_query(std::uint16_t id, const std::string& raw) {
  auto name = raw;
  if (!name.empty() && name.back() == '.') name.pop_back();
  if (name.empty() || name.size() > 253) return std::nullopt;
  std::string out;
  put16(out, id);
  put16(out, 0x0100);  // a standard query, recursion desired
  put16(out, 1);       // one question
  put16(out, 0);
  put16(out, 0);
  put16(out, 0);
  std::size_t start = 0;
  while (start <= name.size()) {
    const auto dot = name.find('.', start);
    const auto end = dot == std::string::npos ? name.size() : dot;
    const auto length = end - start;
    if (length == 0 || length > 63) return std::nullopt;
    out += static_cast<char>(length);
    out += name.substr(start, length);
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  out += '\0';
  put16(out, 1);  // A
  put16(out, 1);  // IN
  return out;
}

std::optional<DnsReply> parse_dns_reply(const std::string& bytes, std::uint16_t id) {
  if (bytes.size() < 12 || get16(bytes, 0) != id) return std::nullopt;
  const auto flags = get16(bytes, 2);
  if ((flags & 0x8000) == 0) return std::nullopt;  // not a response
  DnsReply reply;
  reply.rcode = flags & 0x000F;
  const auto questions = get16(bytes, 4);
  const auto answers = get16(bytes, 6);
  std::size_t at = 12;
  for (int q = 0; q < questions; ++q) {
    const auto after = skip_name(bytes, at);
    if (!after || *after + 4 > bytes.size()) return std::nullopt;
    at = *after + 4;
  }
  for (int a = 0; a < answers; ++a) {
    const auto after = skip_name(bytes, at);
    if (!after || *after + 10 > bytes.size()) return std::nullopt;
    const auto type = get16(bytes, *after);
    const auto length = get16(bytes, *after + 8);
    const auto data = *after + 10;
    if (data + length > bytes.size()) return std::nullopt;
    ++reply.answers;
    if (type == 1 && length == 4) {
      std::string address;
      for (int i = 0; i < 4; ++i)
        address += (i ? "." : "") + std::to_string(static_cast<unsigned char>(bytes[data + i]));
      reply.addresses.push_back(address);
    }
    at = data + length;
  }
  return reply;
}

}  // namespace capprobe::probes::net
