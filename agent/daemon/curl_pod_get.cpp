// The own-pod GET with libcurl: TLS against the service account's ca.crt only, no proxy, the
// token read before each request, one retry after a 401, and the answer classified.
#include "agent/daemon/pod_get.hpp"
#include "agent/daemon/pod_get_rules.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <memory>

namespace capprobe::agent::daemon {
namespace {

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
  std::string token;
  if (auto no_token = read_pod_token(config, token)) return *no_token;
  PodGetAnswer answer;
  std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
  if (!curl) {
    answer.detail = "curl_easy_init failed";
    return answer;
  }
  std::string header = bearer_header(token);
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
  if (body.too_large) return pod_answer_too_large();
  if (code != CURLE_OK) {
    answer.result = classify(code);
    answer.detail = error[0] != '\0' ? error : curl_easy_strerror(code);
    return answer;
  }
  long status = 0;
  curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &status);
  return pod_answer_from_http(status, std::move(body.text));
}

}  // namespace

PodGetAnswer get_pod(const PodGetConfig& config) {
  return get_pod_with_one_retry(config, get_once);
}

}  // namespace capprobe::agent::daemon
