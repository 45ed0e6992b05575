// The own-pod GET with libcurl: TLS against the service account's ca.crt only, no proxy, the
// token read before each request, one retry after a 401, and the answer classified.
#include "agent/daemon/pod_get.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <chrono>
#include <memory>

#include <nlohmann/json.hpp>

namespace capprobe::agent::daemon {
namespace {

using Clock = std::chrono::steady_clock;

struct CurlDeleter {
  void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
};
struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

struct Body {
  std::string text;
  bool too_large = false;
};

std::size_t keep_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto& body = *static_cast<Body*>(user);
  const auto bytes = size * count;
  if (body.text.size() + bytes > kMaxPodBytes) {
    body.too_large = true;
    return 0;  // libcurl stops the transfer (CURLE_WRITE_ERROR)
  }
  body.text.append(data, bytes);
  return bytes;
}

std::string one_line(std::string_view text) {
  std::string line;
  for (const char c : text.substr(0, 300)) line += (c == '\n' || c == '\r' || c == '\t') ? ' ' : c;
  while (!line.empty() && line.back() == ' ') line.pop_back();
  return line;
}

// What the API server says of a refusal: a Status object's message, else the body's start.
std::string status_message(const std::string& body) {
  const auto json = nlohmann::json::parse(body, nullptr, false);
  if (json.is_object() && json.value("kind", "") == "Status") {
    const auto message = json.find("message");
    if (message != json.end() && message->is_string()) return one_line(message->get<std::string>());
  }
  return one_line(body);
}

PodGetResult classify(CURLcode code) {
  switch (code) {
    case CURLE_OPERATION_TIMEDOUT:
      return PodGetResult::timed_out;
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
      return PodGetResult::tls_failed;
    default:
      return PodGetResult::failed;
  }
}

// One request with the token as the file holds it now. `remaining` bounds it whole.
PodGetAnswer get_once(const PodGetConfig& config, std::chrono::milliseconds remaining) {
  PodGetAnswer answer;
  std::string token;
  if (auto problem = read_token_file(config.token_file, token); !problem.empty()) {
    answer.result = PodGetResult::no_token;
    answer.detail = problem;
    return answer;
  }
  std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
  if (!curl) {
    answer.detail = "curl_easy_init failed";
    return answer;
  }
  std::string header = "Authorization: Bearer " + token;
  std::fill(token.begin(), token.end(), '\0');
  curl_slist* raw = curl_slist_append(nullptr, "Accept: application/json");
  if (raw != nullptr) raw = curl_slist_append(raw, header.c_str());
  std::fill(header.begin(), header.end(), '\0');
  std::unique_ptr<curl_slist, SlistDeleter> headers(raw);
  if (!headers) {
    answer.detail = "out of memory";
    return answer;
  }

  Body body;
  char error[CURL_ERROR_SIZE] = {};
  CURL* handle = curl.get();
  curl_easy_setopt(handle, CURLOPT_URL, config.url.c_str());
  curl_easy_setopt(handle, CURLOPT_PROTOCOLS_STR, "https");
  curl_easy_setopt(handle, CURLOPT_HTTPGET, 1L);
  curl_easy_setopt(handle, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(handle, CURLOPT_USERAGENT, "capprobe/" CAPPROBE_VERSION);
  // The API server is the cluster's own: a proxy from the environment must not see the token.
  curl_easy_setopt(handle, CURLOPT_PROXY, "");
  curl_easy_setopt(handle, CURLOPT_NOPROXY, "*");
  curl_easy_setopt(handle, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(std::min(config.connect_timeout, remaining).count()));
  curl_easy_setopt(handle, CURLOPT_TIMEOUT_MS, static_cast<long>(remaining.count()));
  curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(handle, CURLOPT_FOLLOWLOCATION, 0L);
  // Verified against the service account's ca.crt and nothing else.
  curl_easy_setopt(handle, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(handle, CURLOPT_SSL_VERIFYHOST, 2L);
  curl_easy_setopt(handle, CURLOPT_CAINFO, config.ca_file.c_str());
  curl_easy_setopt(handle, CURLOPT_CAPATH, nullptr);
  curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, keep_body);
  curl_easy_setopt(handle, CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, error);

  answer.attempts = 1;
  const CURLcode code = curl_easy_perform(handle);
  if (code != CURLE_OK) {
    answer.result = body.too_large ? PodGetResult::failed : classify(code);
    answer.detail = body.too_large
                        ? "the answer is larger than " + std::to_string(kMaxPodBytes) + " bytes"
                        : (error[0] != '\0' ? error : curl_easy_strerror(code));
    return answer;
  }
  curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &answer.http_status);
  if (answer.http_status == 200) {
    answer.result = PodGetResult::ok;
    answer.body = std::move(body.text);
    return answer;
  }
  answer.result = PodGetResult::http_error;
  answer.detail = status_message(body.text);
  return answer;
}

}  // namespace

PodGetAnswer get_pod(const PodGetConfig& config) {
  const auto deadline = Clock::now() + config.timeout;
  const auto remaining = [&] {
    return std::max(std::chrono::milliseconds(1),
                    std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()));
  };
  auto answer = get_once(config, remaining());
  // A bound token rotates: the kubelet may have replaced the file just as it was read.
  if (answer.result == PodGetResult::http_error && answer.http_status == 401 &&
      Clock::now() < deadline) {
    const auto sent = answer.attempts;
    answer = get_once(config, remaining());
    answer.attempts += sent;
  }
  return answer;
}

}  // namespace capprobe::agent::daemon
