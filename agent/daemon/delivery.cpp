// What the collector's answers mean, the reports URL and the token file's rules.
#include "agent/daemon/delivery.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>

#include "platform/utf8_path.hpp"

namespace capprobe::agent::daemon {
namespace {

constexpr std::size_t kMaxTokenBytes = 16384;  // a bound token is about 1 KiB

}  // namespace

std::string_view to_string(DeliveryResult result) {
  switch (result) {
    case DeliveryResult::delivered:
      return "delivered";
    case DeliveryResult::duplicate:
      return "duplicate";
    case DeliveryResult::rejected:
      return "rejected";
    case DeliveryResult::retry:
      return "retry";
  }
  return "retry";
}

std::string reports_url(std::string_view collector) {
  while (!collector.empty() && collector.back() == '/') collector.remove_suffix(1);
  return std::string(collector) + "/api/v1/reports";
}

DeliveryResult classify_http_status(long status) {
  if (status == 202 || status == 201) return DeliveryResult::delivered;
  if (status == 200) return DeliveryResult::duplicate;
  if (status == 408 || status == 429) return DeliveryResult::retry;
  // A token being rotated, or a collector whose token file is not yet updated: the report is
  // fine, the credentials are not yet. Kept and retried (the spool bound still holds), so that
  // a rotation never drops the reports of every node in between.
  if (status == 401 || status == 403) return DeliveryResult::retry;
  if (status >= 400 && status < 500) return DeliveryResult::rejected;
  return DeliveryResult::retry;
}

std::optional<std::string> token_from_file_content(std::string_view content) {
  const auto is_space = [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; };
  while (!content.empty() && is_space(content.front())) content.remove_prefix(1);
  while (!content.empty() && is_space(content.back())) content.remove_suffix(1);
  if (content.empty()) return std::nullopt;
  for (const char c : content)
    if (static_cast<unsigned char>(c) < 0x21 || c == 0x7f) return std::nullopt;
  return std::string(content);
}

std::string read_token_file(const std::string& path, std::string& token) {
  std::ifstream in(platform::utf8_path(path), std::ios::binary);
  if (!in) return "cannot read " + path + ": " + std::strerror(errno);
  std::string content(kMaxTokenBytes + 1, '\0');
  in.read(content.data(), static_cast<std::streamsize>(content.size()));
  content.resize(static_cast<std::size_t>(in.gcount()));
  if (content.size() > kMaxTokenBytes) return path + " is too large for a token";
  auto parsed = token_from_file_content(content);
  std::fill(content.begin(), content.end(), '\0');
  if (!parsed) return path + " holds no usable token";
  token = std::move(*parsed);
  return "";
}

std::optional<DeliveryOutcome> read_token(const std::string& path, std::string& token) {
  if (auto problem = read_token_file(path, token); !problem.empty())
    return DeliveryOutcome{DeliveryResult::retry, 0, "--token-file: " + problem};
  return std::nullopt;
}

std::string answer_line(std::string_view text) {
  std::string line;
  for (const char c : text.substr(0, 300)) line += (c == '\n' || c == '\r' || c == '\t') ? ' ' : c;
  while (!line.empty() && line.back() == ' ') line.pop_back();
  return line;
}

std::string certificate_host_name(std::string_view url_host) {
  if (url_host.size() > 2 && url_host.front() == '[' && url_host.back() == ']') {
    url_host = url_host.substr(1, url_host.size() - 2);
    url_host = url_host.substr(0, url_host.find('%'));
  }
  return std::string(url_host);
}

}  // namespace capprobe::agent::daemon
