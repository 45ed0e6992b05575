// The own-pod GET's rules that do not depend on the HTTP client (pod_get.hpp; the contract is
// delivery_helper.hpp's mode 2): the token read for each request, the answer read into a
// PodGetAnswer, and the one retry after a 401. curl_pod_get.cpp and winhttp_pod_get.cpp make
// the requests; this file decides what they mean, so that both OSes answer alike.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "agent/daemon/delivery_helper.hpp"

namespace capprobe::agent::daemon {

// The token for one request into `token`; nullopt when read, else the no_token answer saying
// why (the path and what is wrong with it, never the file's content).
std::optional<PodGetAnswer> read_pod_token(const PodGetConfig& config, std::string& token);

// "Authorization: Bearer <token>"; the caller wipes both once the request is made.
std::string bearer_header(const std::string& token);

// The answer to a request that got an HTTP answer `status` with `body`: "ok" with the body for
// 200, else "http_error" whose detail is the Status object's message (or the body's start).
PodGetAnswer pod_answer_from_http(long status, std::string body);

// The "failed" answer for a body that passed kMaxPodBytes.
PodGetAnswer pod_answer_too_large();

// What the API server says of a refusal: a Status object's message, else the body's start; one
// line, bounded.
std::string status_message(const std::string& body);

// One request with the token as the file holds it now, bounded by `remaining` in all.
using PodGetOnce = std::function<PodGetAnswer(const PodGetConfig& config, Millis remaining)>;

// `once`, and once more after a 401 while config.timeout has time left (a bound token rotates:
// the kubelet may have replaced the file just as it was read); attempts counts both.
PodGetAnswer get_pod_with_one_retry(const PodGetConfig& config, const PodGetOnce& once);

}  // namespace capprobe::agent::daemon
