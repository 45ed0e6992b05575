// capprobe's network requests run in `capprobe-deliver`, a helper executable beside `capprobe`:
// one short-lived child process per request, so that libcurl and its TLS libraries never stay
// resident in capprobe (the idle agent's target is 10 MiB; they alone take 6 MiB). This header
// is the whole contract between the two, for every OS's helper (Linux: libcurl,
// curl_delivery.cpp and curl_pod_get.cpp; Windows: WinHTTP). It has two modes.
//
// 1. Delivery (the agent, each report): POST one report to the collector.
//      capprobe-deliver --url URL [--token-file F] [--ca-file F]
//                       [--connect-timeout DURATION] [--timeout DURATION]   < REPORT.json
//    stdout: one line, {"result":"delivered|duplicate|rejected|retry","http_status":N,
//    "detail":"..."} (outcome_line). Exit 0 when it printed that line, 2 on a usage error.
//
// 2. The own-pod GET (`capprobe probe`, the agent's rounds, `capprobe sonobuoy`, in a pod):
//      capprobe-deliver get-pod --url URL --token-file F --ca-file F
//                       --connect-timeout DURATION --timeout DURATION       (stdin unused)
//    URL is https://<KUBERNETES_SERVICE_HOST>:<PORT>/api/v1/namespaces/<ns>/pods/<name>, an
//    IPv6 host already bracketed (agent/pod_lookup.hpp); or, for api.service_account's one
//    read, .../version with the timeouts that probe gives (agent/pod_lookup.hpp, api_access).
//    Any path: the helper GETs the URL it is given. The helper must:
//    - speak HTTPS only, verify the server's certificate and host name against --ca-file and
//      nothing else (no system store), follow no redirect, and use no proxy whatever the
//      environment says (libcurl: CURLOPT_PROXY ""; WinHTTP: WINHTTP_ACCESS_TYPE_NO_PROXY);
//    - read the token from --token-file right before each request (bound tokens rotate; the
//      token_from_file_content rules) and send `Authorization: Bearer <token>` and
//      `Accept: application/json`;
//    - on 401, read the token file again and retry once, never more;
//    - keep both requests within --timeout together, and each connect within
//      --connect-timeout;
//    - take at most kMaxPodBytes of answer (more is result "failed");
//    - never write the token anywhere: not to stdout, not in `detail`, not to stderr.
//    stdout: the header line {"result":"ok|http_error|no_token|tls_failed|timed_out|failed",
//    "http_status":N,"attempts":N,"detail":"..."} (pod_get_output), then, only for "ok", the
//    answer's body (the Pod's JSON) as the API server sent it. For an answer other than 200,
//    `detail` is the message of the Kubernetes Status object in the body when it is one (else
//    the start of the body, on one line). Exit 0 when it printed its header, 2 on a usage error.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "agent/daemon/delivery.hpp"
#include "agent/pod_lookup.hpp"

namespace capprobe::agent::daemon {

inline constexpr const char* kDeliverHelperName = "capprobe-deliver";

// The helper's arguments (after argv[0]) for `config`; the report's JSON goes to its stdin.
std::vector<std::string> deliver_helper_arguments(const DeliveryConfig& config);

struct DeliverHelperUsage {
  std::string message;  // one line: what was wrong with the arguments
};

// The helper's side of deliver_helper_arguments.
std::variant<DeliverHelperUsage, DeliveryConfig> parse_deliver_helper_arguments(
    const std::vector<std::string>& args);

// The helper's answer on stdout: one JSON object on one line, {"result", "http_status",
// "detail"}; and its reading by the agent (nullopt for anything else).
std::string outcome_line(const DeliveryOutcome& outcome);
std::optional<DeliveryOutcome> parse_outcome_line(std::string_view line);

// Runs `helper` (the path of capprobe-deliver) for one report and waits for its answer, at most
// config.timeout plus the helper's start. A helper that fails or says nothing usable is a retry
// whose detail says why.
DeliveryOutcome deliver_with_helper(const std::string& helper, const DeliveryConfig& config,
                                    const std::string& body);

// --- mode 2: the own-pod GET ---

// The first argument that selects it.
inline constexpr const char* kGetPodMode = "get-pod";

// The largest Pod answer taken: far above a real pod (managedFields included), the same bound
// as a --pod-spec file.
inline constexpr std::size_t kMaxPodBytes = 4u << 20;

struct PodGetConfig {
  std::string url;
  std::string token_file;
  std::string ca_file;
  Millis connect_timeout{kPodGetConnectTimeout};
  Millis timeout{kPodGetTimeout};
};

// The GET of `plan`, with the timeouts of agent/pod_lookup.hpp.
PodGetConfig pod_get_config(const PodLookupPlan& plan);

// The helper's whole argument list for `config`, the mode word first.
std::vector<std::string> get_pod_helper_arguments(const PodGetConfig& config);
// The helper's side: the arguments after the mode word.
std::variant<DeliverHelperUsage, PodGetConfig> parse_get_pod_helper_arguments(
    const std::vector<std::string>& args);

// The helper's stdout for `answer`: the header line, then the body when it is "ok".
std::string pod_get_output(const PodGetAnswer& answer);
// capprobe's reading of it; nullopt for anything else (a missing body for "ok" included).
std::optional<PodGetAnswer> parse_pod_get_output(std::string_view output);

// Runs `helper` in get-pod mode and waits for its answer, at most config.timeout plus the
// helper's start. A helper that fails or says nothing usable is a "failed" answer saying why.
PodGetAnswer get_pod_with_helper(const std::string& helper, const PodGetConfig& config);

// The helper installed beside the running executable (capprobe-deliver.exe on Windows); nullopt
// with `why` ("<path> is missing", or why capprobe's own directory is unknown) when there is none.
std::optional<std::string> deliver_helper_beside_me(std::string& why);

// capprobe's PodGet (agent/pod_lookup.hpp): the helper installed beside the running executable.
PodGetAnswer get_pod_beside_me(const PodLookupPlan& plan);

}  // namespace capprobe::agent::daemon
