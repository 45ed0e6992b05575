// The client-independent half of the own-pod GET.
#include "agent/daemon/pod_get_rules.hpp"

#include <algorithm>
#include <chrono>

#include <nlohmann/json.hpp>

namespace capprobe::agent::daemon {

std::optional<PodGetAnswer> read_pod_token(const PodGetConfig& config, std::string& token) {
  auto problem = read_token_file(config.token_file, token);
  if (problem.empty()) return std::nullopt;
  PodGetAnswer answer;
  answer.result = PodGetResult::no_token;
  answer.detail = std::move(problem);
  return answer;
}

std::string bearer_header(const std::string& token) {
  return "Authorization: Bearer " + token;
}

std::string status_message(const std::string& body) {
  const auto json = nlohmann::json::parse(body, nullptr, false);
  if (json.is_object() && json.value("kind", "") == "Status") {
    const auto message = json.find("message");
    if (message != json.end() && message->is_string())
      return answer_line(message->get<std::string>());
  }
  return answer_line(body);
}

PodGetAnswer pod_answer_from_http(long status, std::string body) {
  PodGetAnswer answer;
  answer.attempts = 1;
  answer.http_status = status;
  if (status == 200) {
    answer.result = PodGetResult::ok;
    answer.body = std::move(body);
    return answer;
  }
  answer.result = PodGetResult::http_error;
  answer.detail = status_message(body);
  return answer;
}

PodGetAnswer pod_answer_too_large() {
  PodGetAnswer answer;
  answer.result = PodGetResult::failed;
  answer.attempts = 1;
  // Appended step by step: GCC 12 warns (-Warray-bounds, falsely) on the chained operator+.
  answer.detail = "the answer is larger than ";
  answer.detail += std::to_string(kMaxPodBytes);
  answer.detail += " bytes";
  return answer;
}

PodGetAnswer get_pod_with_one_retry(const PodGetConfig& config, const PodGetOnce& once) {
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + config.timeout;
  const auto remaining = [&] {
    return std::max(Millis(1), std::chrono::duration_cast<Millis>(deadline - Clock::now()));
  };
  auto answer = once(config, remaining());
  if (answer.result == PodGetResult::http_error && answer.http_status == 401 &&
      Clock::now() < deadline) {
    const auto sent = answer.attempts;
    answer = once(config, remaining());
    answer.attempts += sent;
  }
  return answer;
}

}  // namespace capprobe::agent::daemon
