// One POST with libcurl: bearer token, timeouts, TLS verification, and the answer classified.
#include "agent/daemon/http_delivery.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <string>

namespace capprobe::agent::daemon {
namespace {

struct CurlDeleter {
  void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
};
struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

std::size_t keep_answer(char* data, std::size_t size, std::size_t count, void* user) {
  auto& answer = *static_cast<std::string*>(user);
  const auto bytes = size * count;
  if (answer.size() < kMaxAnswerBytes)
    answer.append(data, std::min(bytes, kMaxAnswerBytes - answer.size()));
  return bytes;  // read (and drop) the rest so that the connection ends cleanly
}

}  // namespace

void init_http_client() {
  curl_global_init(CURL_GLOBAL_DEFAULT);
}

DeliveryOutcome deliver(const DeliveryConfig& config, std::string_view body) {
  std::string token;
  if (config.token_file)
    if (auto problem = read_token(*config.token_file, token)) return *problem;

  std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
  if (!curl) return {DeliveryResult::retry, 0, "curl_easy_init failed"};
  curl_slist* raw = nullptr;
  raw = curl_slist_append(raw, "Content-Type: application/json");
  raw = curl_slist_append(raw, "Expect:");  // no 100-continue round trip for a report
  std::unique_ptr<curl_slist, SlistDeleter> headers(raw);
  if (!token.empty()) {
    std::string header = "Authorization: Bearer " + token;
    auto* appended = curl_slist_append(headers.get(), header.c_str());
    std::fill(header.begin(), header.end(), '\0');
    if (appended == nullptr) return {DeliveryResult::retry, 0, "out of memory"};
  }

  std::string answer;
  char error[CURL_ERROR_SIZE] = {};
  CURL* handle = curl.get();
  curl_easy_setopt(handle, CURLOPT_URL, config.reports_url.c_str());
  curl_easy_setopt(handle, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(handle, CURLOPT_POST, 1L);
  curl_easy_setopt(handle, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(handle, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(handle, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(handle, CURLOPT_USERAGENT, "capprobe/" CAPPROBE_VERSION);
  curl_easy_setopt(handle, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(config.connect_timeout.count()));
  curl_easy_setopt(handle, CURLOPT_TIMEOUT_MS, static_cast<long>(config.timeout.count()));
  curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);  // timeouts without SIGALRM: we have threads
  curl_easy_setopt(handle, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(handle, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(handle, CURLOPT_SSL_VERIFYHOST, 2L);
  if (config.ca_file) curl_easy_setopt(handle, CURLOPT_CAINFO, config.ca_file->c_str());
  curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, keep_answer);
  curl_easy_setopt(handle, CURLOPT_WRITEDATA, &answer);
  curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, error);

  const CURLcode code = curl_easy_perform(handle);
  if (code != CURLE_OK)
    return {DeliveryResult::retry, 0, error[0] != '\0' ? error : curl_easy_strerror(code)};
  long status = 0;
  curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &status);
  return {classify_http_status(status), status, answer_line(answer)};
}

}  // namespace capprobe::agent::daemon
