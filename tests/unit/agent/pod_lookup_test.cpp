// The own-pod lookup's pure part: when capprobe is in a pod it can look up, the API server's URL
// (IPv6 bracketed), the service-account directory (HostProcess first under the sandbox mount),
// and what the report says when there is no pod spec.
#include <catch2/catch.hpp>

#include "agent/pod_lookup.hpp"
#include "agent/probe_round.hpp"
#include "platform/fake/fake_platform.hpp"

using namespace capprobe::agent;
using capprobe::platform::FakePlatform;

namespace {

constexpr const char* kSa = "/var/run/secrets/kubernetes.io/serviceaccount";

// A pod as the kubelet makes it: the service variables, the downward API, the token volume.
FakePlatform in_pod() {
  FakePlatform os;
  os.environment = {{"KUBERNETES_SERVICE_HOST", "10.96.0.1"},
                    {"KUBERNETES_SERVICE_PORT", "443"},
                    {"POD_NAME", "capprobe-agent-linux-x7k2p"},
                    {"POD_NAMESPACE", "capprobe"}};
  os.file(std::string(kSa) + "/token", "eyJhbGciOiJSUzI1NiJ9.secret.signature\n");
  os.file(std::string(kSa) + "/ca.crt", "-----BEGIN CERTIFICATE-----\n");
  os.file(std::string(kSa) + "/namespace", "capprobe");
  return os;
}

std::string why_none(const PodLookupOptions& options, const FakePlatform& os) {
  const auto planning = plan_pod_lookup(options, os);
  REQUIRE_FALSE(planning.plan);
  return planning.why_none;
}

}  // namespace

TEST_CASE("in a pod, the lookup is planned from the environment and the token volume",
          "[pod_lookup]") {
  const auto os = in_pod();
  const auto planning = plan_pod_lookup({}, os);
  REQUIRE(planning.plan);
  const auto& plan = *planning.plan;
  CHECK(plan.url ==
        "https://10.96.0.1:443/api/v1/namespaces/capprobe/pods/capprobe-agent-linux-x7k2p");
  CHECK(plan.pod == "capprobe/capprobe-agent-linux-x7k2p");
  CHECK(plan.service_account_dir == kSa);
  CHECK(plan.token_file == std::string(kSa) + "/token");
  CHECK(plan.ca_file == std::string(kSa) + "/ca.crt");
}

TEST_CASE("the API server's URL: IPv6 bracketed, its zone escaped, nonsense refused",
          "[pod_lookup]") {
  struct Case {
    const char* host;
    const char* port;
    const char* url;  // nullptr: refused
  };
  const Case cases[] = {
      {"10.96.0.1", "443", "https://10.96.0.1:443"},
      {"fd00:10:96::1", "443", "https://[fd00:10:96::1]:443"},
      {"[fd00::1]", "6443", "https://[fd00::1]:6443"},
      {"::1", "8443", "https://[::1]:8443"},
      {"fe80::1%eth0", "443", "https://[fe80::1%25eth0]:443"},
      {"kubernetes.default.svc", "443", "https://kubernetes.default.svc:443"},
      {"10.96.0.1/evil", "443", nullptr},
      {"10.96.0.1", "0", nullptr},
      {"10.96.0.1", "65536", nullptr},
      {"10.96.0.1", "https", nullptr},
      {"", "443", nullptr},
  };
  for (const auto& c : cases) {
    INFO(c.host << " " << c.port);
    std::string why;
    const auto url = api_server_url(c.host, c.port, why);
    if (c.url) {
      CHECK(url == c.url);
    } else {
      CHECK_FALSE(url);
      CHECK_FALSE(why.empty());
    }
  }
  auto os = in_pod();
  os.environment["KUBERNETES_SERVICE_HOST"] = "fd00:10:96::1";
  CHECK(plan_pod_lookup({}, os).plan->url.rfind("https://[fd00:10:96::1]:443/api/v1/", 0) == 0);
}

TEST_CASE("no lookup, and the report says why", "[pod_lookup]") {
  CHECK(why_none({false, std::nullopt}, in_pod()) ==
        "no --pod-spec given; the own-pod lookup is off (--no-pod-lookup)");

  auto os = in_pod();
  os.environment.erase("KUBERNETES_SERVICE_HOST");
  CHECK_THAT(why_none({}, os), Catch::StartsWith("no --pod-spec given; not in a Kubernetes pod"));
  os = in_pod();
  os.environment["KUBERNETES_SERVICE_PORT"] = "";  // set but empty: not set
  CHECK_THAT(why_none({}, os), Catch::Contains("not in a Kubernetes pod"));

  os = in_pod();
  os.environment.erase("POD_NAME");
  CHECK_THAT(why_none({}, os), Catch::Contains("POD_NAME is not set") &&
                                   Catch::Contains("downward API, metadata.name"));
  os = in_pod();
  os.environment["POD_NAME"] = "../../secrets/x";
  CHECK_THAT(why_none({}, os), Catch::Contains("POD_NAME '../../secrets/x' is not a pod name"));
  os = in_pod();
  os.environment["POD_NAMESPACE"] = "Capprobe";
  CHECK_THAT(why_none({}, os), Catch::Contains("'Capprobe' is not a namespace name"));

  os = in_pod();
  os.remove(std::string(kSa) + "/token");
  CHECK(why_none({}, os) ==
        "no --pod-spec given; in a pod, but no service-account token at "
        "/var/run/secrets/kubernetes.io/serviceaccount/token (automountServiceAccountToken: "
        "false?), so the pod cannot be looked up");
  os = in_pod();
  os.remove(std::string(kSa) + "/ca.crt");
  CHECK_THAT(why_none({}, os), Catch::Contains("no " + std::string(kSa) + "/ca.crt to verify"));
}

TEST_CASE("the namespace: POD_NAMESPACE, else the service account's namespace file",
          "[pod_lookup]") {
  auto os = in_pod();
  os.environment.erase("POD_NAMESPACE");
  os.file(std::string(kSa) + "/namespace", "monitoring\n");
  CHECK(plan_pod_lookup({}, os).plan->pod == "monitoring/capprobe-agent-linux-x7k2p");
  os.remove(std::string(kSa) + "/namespace");
  CHECK_THAT(why_none({}, os), Catch::Contains("neither POD_NAMESPACE nor " + std::string(kSa) +
                                               "/namespace says its namespace"));
}

TEST_CASE("the service-account directory: the flag, else HostProcess's sandbox, else the default",
          "[pod_lookup]") {
  // --service-account-dir is the only place looked at.
  auto os = in_pod();
  os.file("/run/sa/token", "t").file("/run/sa/ca.crt", "c");
  auto plan = plan_pod_lookup({true, "/run/sa"}, os).plan;
  REQUIRE(plan);
  CHECK(plan->token_file == "/run/sa/token");
  CHECK(plan->ca_file == "/run/sa/ca.crt");
  CHECK_THAT(why_none({true, "/run/elsewhere"}, os),
             Catch::Contains("no service-account token at /run/elsewhere/token ("));

  // A HostProcess container: its volumes under %CONTAINER_SANDBOX_MOUNT_POINT% (containerd 1.6).
  FakePlatform windows;
  windows.environment = in_pod().environment;
  windows.environment["CONTAINER_SANDBOX_MOUNT_POINT"] = "C:\\C\\0a1b2c\\";
  const std::string under = "C:\\C\\0a1b2c\\var\\run\\secrets\\kubernetes.io\\serviceaccount";
  windows.file(under + "\\token", "t").file(under + "\\ca.crt", "c");
  plan = plan_pod_lookup({}, windows).plan;
  REQUIRE(plan);
  CHECK(plan->service_account_dir == under);
  CHECK(plan->token_file == under + "\\token");
  CHECK(plan->ca_file == under + "\\ca.crt");
  // Its token not there (containerd 1.7 mounts at the path itself): the default.
  windows.remove(under + "\\token");
  windows.file(std::string(kSa) + "/token", "t").file(std::string(kSa) + "/ca.crt", "c");
  CHECK(plan_pod_lookup({}, windows).plan->service_account_dir == kSa);
  windows.remove(std::string(kSa) + "/token");
  CHECK_THAT(why_none({}, windows),
             Catch::Contains("no service-account token at " + under + "\\token nor at " + kSa));
}

TEST_CASE("a failed GET is said with its likely cause", "[pod_lookup]") {
  PodLookupPlan plan;
  plan.pod = "capprobe/p";
  plan.token_file = "/sa/token";
  plan.ca_file = "/sa/ca.crt";
  struct Case {
    PodGetAnswer answer;
    std::vector<std::string> says;
  };
  const Case cases[] = {
      {{PodGetResult::http_error, 403, 1,
        "pods \"p\" is forbidden: User \"system:serviceaccount:capprobe:x\" cannot get resource "
        "\"pods\"",
        ""},
       {"GET capprobe/p: 403 Forbidden: RBAC", "cannot get resource"}},
      {{PodGetResult::http_error, 401, 2, "Unauthorized", ""},
       {"401 Unauthorized, again after re-reading /sa/token and retrying once", "Unauthorized"}},
      {{PodGetResult::http_error, 404, 1, "pods \"p\" not found", ""},
       {"404 Not Found", "downward"}},
      {{PodGetResult::http_error, 500, 1, "etcd\nleader changed", ""},
       {"GET capprobe/p: HTTP 500: etcd leader changed"}},
      {{PodGetResult::tls_failed, 0, 1, "SSL certificate problem: self-signed certificate", ""},
       {"TLS: SSL certificate problem", "verified against /sa/ca.crt only"}},
      {{PodGetResult::no_token, 0, 0, "/sa/token holds no usable token", ""},
       {"not sent: no usable service-account token: /sa/token holds no usable token"}},
      {{PodGetResult::timed_out, 0, 1, "Operation timed out after 8000 milliseconds", ""},
       {"no answer within 8 s"}},
      {{PodGetResult::failed, 0, 1, "Failed to connect to 10.96.0.1 port 443", ""},
       {"GET capprobe/p failed: Failed to connect"}},
  };
  for (const auto& c : cases) {
    const auto detail = describe_failed_pod_get(plan, c.answer);
    INFO(detail);
    CHECK(detail.find('\n') == std::string::npos);
    for (const auto& part : c.says) CHECK_THAT(detail, Catch::Contains(part));
  }
}

TEST_CASE("the answer's result words there and back", "[pod_lookup]") {
  for (const auto result :
       {PodGetResult::ok, PodGetResult::http_error, PodGetResult::no_token,
        PodGetResult::tls_failed, PodGetResult::timed_out, PodGetResult::failed})
    CHECK(pod_get_result_from_string(to_string(result)) == result);
  CHECK_FALSE(pod_get_result_from_string("delivered"));
}

TEST_CASE("look_up_pod_requests: the pod from the API, or none and why, never an error",
          "[pod_lookup]") {
  auto os = in_pod();
  os.kernel = capprobe::platform::KernelInfo{"Linux", "worker-3", "6.1.0", "#1 SMP", "x86_64"};
  std::vector<PodLookupPlan> asked;
  PodGetAnswer answer{PodGetResult::ok, 200, 1, "",
                      R"({"kind":"Pod","apiVersion":"v1","metadata":{"name":"capprobe-agent-linux-)"
                      R"(x7k2p","namespace":"capprobe"},"spec":{"hostPID":true,"containers":[{)"
                      R"("name":"capprobe"}]}})"};
  const PodGet get = [&](const PodLookupPlan& plan) {
    asked.push_back(plan);
    return answer;
  };

  auto load = look_up_pod_requests({}, std::nullopt, os, get);
  REQUIRE(asked.size() == 1);
  REQUIRE(load.requests);
  CHECK(load.error.empty());
  CHECK(load.pod_spec.source == "api");
  CHECK(load.pod_spec.detail ==
        "GET capprobe/capprobe-agent-linux-x7k2p; container capprobe, the pod's only one");
  CHECK(load.requests->host_pid == true);
  CHECK(load.requests->from_pod_spec);

  // Refused: no requests, the container the user named kept, and the reason.
  answer = {PodGetResult::http_error, 403, 1, "forbidden", ""};
  load = look_up_pod_requests({}, std::string("capprobe"), os, get);
  REQUIRE(load.requests);
  CHECK(load.error.empty());
  CHECK(load.pod_spec.source == "none");
  CHECK_THAT(load.pod_spec.detail, Catch::StartsWith("GET capprobe/capprobe-agent-linux-x7k2p: "
                                                     "403 Forbidden"));
  CHECK_FALSE(load.requests->from_pod_spec);
  CHECK(load.requests->container_name == "capprobe");

  // A 200 that is no Pod, or a Pod without the container named: no pod spec, not a usage error.
  answer = {PodGetResult::ok, 200, 1, "", R"({"kind":"Status","status":"Success"})"};
  load = look_up_pod_requests({}, std::nullopt, os, get);
  CHECK(load.pod_spec.source == "none");
  CHECK_THAT(load.pod_spec.detail, Catch::EndsWith("the answer is a Status, not a Pod"));
  answer.body = R"({"kind":"Pod","spec":{"containers":[{"name":"app"}]}})";
  load = look_up_pod_requests({}, std::string("capprobe"), os, get);
  REQUIRE(load.requests);
  CHECK(load.pod_spec.source == "none");
  CHECK_THAT(load.pod_spec.detail, Catch::Contains("the pod is not usable: the pod spec has no "
                                                   "container named 'capprobe'"));

  // Not in a pod: nothing asked.
  asked.clear();
  os.environment.clear();
  load = look_up_pod_requests({}, std::nullopt, os, get);
  CHECK(asked.empty());
  CHECK(load.pod_spec.source == "none");
}
