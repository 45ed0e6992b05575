// The pod's own spec, read in-cluster: `capprobe probe` and `capprobe agent` running in a pod GET
// /api/v1/namespaces/{ns}/pods/{name} with the service-account token and use the answer as
// --pod-spec would. This file is the pure part: whether and how to ask (the plan, from the
// environment and the service-account directory), the answer's shape, and the sentence the
// report's pod_spec.detail says when there is no pod spec. The GET itself runs in the
// capprobe-deliver helper (agent/daemon/delivery_helper.hpp, "get-pod"), so that no TLS library
// is ever loaded into capprobe.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "platform/platform.hpp"
#include "probes/probe.hpp"

namespace capprobe::agent {

// Where the kubelet mounts the token, ca.crt and namespace of the pod's service account.
inline constexpr const char* kDefaultServiceAccountDir =
    "/var/run/secrets/kubernetes.io/serviceaccount";

// The whole own-pod GET, the 401 retry included, and its connect phase. A one-shot probe waits
// for it before the probes start, so it is short; an API server that answers slower than this
// is reported, never waited for.
inline constexpr std::chrono::milliseconds kPodGetTimeout{8000};
inline constexpr std::chrono::milliseconds kPodGetConnectTimeout{3000};

// The command line's say in it.
struct PodLookupOptions {
  bool enabled = true;                             // false: --no-pod-lookup
  std::optional<std::string> service_account_dir;  // --service-account-dir
};

// One own-pod GET, fully decided.
struct PodLookupPlan {
  std::string url;  // https://10.96.0.1:443/api/v1/namespaces/capprobe/pods/capprobe-x7k2p
  std::string pod;  // "capprobe/capprobe-x7k2p", for the report
  std::string service_account_dir;
  std::string token_file;  // <dir>/token: read by the helper before each request, never here
  std::string ca_file;     // <dir>/ca.crt: the only CA the API server's certificate is checked with
  std::chrono::milliseconds connect_timeout{kPodGetConnectTimeout};
  std::chrono::milliseconds timeout{kPodGetTimeout};  // the whole GET, the 401 retry included
};

struct PodLookupPlanning {
  std::optional<PodLookupPlan> plan;
  std::string why_none;  // when there is no plan: the report's pod_spec.detail
};

// Whether this process runs in a pod it can look up, from the environment (KUBERNETES_SERVICE_HOST
// and _PORT, POD_NAME, POD_NAMESPACE, CONTAINER_SANDBOX_MOUNT_POINT) and the service-account
// directory: --service-account-dir, else on a Windows HostProcess container the default under
// %CONTAINER_SANDBOX_MOUNT_POINT% when its token is there, else the default. The namespace is
// POD_NAMESPACE, else the directory's `namespace` file. Looks at files (token and ca.crt there,
// the namespace file), reads no token.
PodLookupPlanning plan_pod_lookup(const PodLookupOptions& options, const platform::Platform& os);

// "https://<host>:<port>" for KUBERNETES_SERVICE_HOST and _PORT: an IPv6 address bracketed (its
// zone's '%' escaped); nullopt with `why` for a host or port that is not one.
std::optional<std::string> api_server_url(std::string_view host, std::string_view port,
                                          std::string& why);

// What came of the GET, as the helper answers it.
enum class PodGetResult {
  ok,          // 200: the body is the Pod
  http_error,  // another status (401 after the one retry, 403, 404, 5xx...)
  no_token,    // the token file could not be read or holds no usable token
  tls_failed,  // the TLS handshake failed: most often a certificate ca.crt does not vouch for
  timed_out,   // no answer within the timeout
  failed,      // anything else: no connection, an answer too large, ...
};

std::string_view to_string(PodGetResult result);
std::optional<PodGetResult> pod_get_result_from_string(std::string_view text);

struct PodGetAnswer {
  PodGetResult result = PodGetResult::failed;
  long http_status = 0;  // the last answer's status; 0 when there was none
  int attempts = 0;      // requests sent: 1, or 2 after a 401
  std::string detail;    // the client's error, or the API server's Status message; no secrets
  std::string body;      // the Pod's JSON when ok
};

// Runs one planned GET and answers (the real one: agent/daemon/delivery_helper.hpp).
using PodGet = std::function<PodGetAnswer(const PodLookupPlan& plan)>;

// What api.service_account may use: --service-account-dir, and its one read-only request
// (probes::ApiRead) through the same GET: the path at the API server KUBERNETES_SERVICE_HOST/
// _PORT name, with the probe's token and ca.crt and its timeouts. No reader when
// --no-pod-lookup turns API requests off. A read without an API server address answers
// "no_server".
probes::ApiAccess api_access(const PodLookupOptions& options, const platform::Platform& os,
                             PodGet get_pod);

// The report's pod_spec.detail for a GET that gave no pod: what happened and what usually
// causes it (403: RBAC; 401: the token; a TLS failure: ca.crt...).
std::string describe_failed_pod_get(const PodLookupPlan& plan, const PodGetAnswer& answer);

}  // namespace capprobe::agent
