// Planning the own-pod GET and wording its failures.
#include "agent/pod_lookup.hpp"

#include <algorithm>
#include <cctype>
#include <utility>
#include <vector>

namespace capprobe::agent {
namespace {

constexpr const char* kNoFile = "no --pod-spec given";

std::optional<std::string> non_empty_env(const platform::Platform& os, const char* name) {
  auto value = os.env(name);
  if (!value) return std::nullopt;
  const auto first = value->find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return std::nullopt;
  return value->substr(first, value->find_last_not_of(" \t\r\n") - first + 1);
}

bool is_lower_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

// A DNS-1123 label (a namespace) or subdomain (a pod name): what the API server allows, and so
// nothing that could change the request's path.
bool is_dns_name(std::string_view name, bool dots_allowed, std::size_t max_size) {
  if (name.empty() || name.size() > max_size) return false;
  if (!is_lower_alnum(name.front()) || !is_lower_alnum(name.back())) return false;
  return std::all_of(name.begin(), name.end(), [&](char c) {
    return is_lower_alnum(c) || c == '-' || (dots_allowed && c == '.');
  });
}

// The service-account directory under a HostProcess container's mount point: its volumes are
// mounted below %CONTAINER_SANDBOX_MOUNT_POINT% (containerd 1.6) rather than at their paths.
std::string under_sandbox(std::string root) {
  const char separator = root.find('\\') != std::string::npos ? '\\' : '/';
  while (!root.empty() && (root.back() == '\\' || root.back() == '/')) root.pop_back();
  std::string relative = std::string(kDefaultServiceAccountDir).substr(1);
  if (separator == '\\') std::replace(relative.begin(), relative.end(), '/', '\\');
  return root + separator + relative;
}

std::string in_dir(const std::string& dir, const char* name) {
  const char separator =
      dir.find('\\') != std::string::npos && dir.find('/') == std::string::npos ? '\\' : '/';
  return dir + (dir.empty() || dir.back() == separator ? "" : std::string(1, separator)) + name;
}

bool is_file(const platform::Platform& os, const std::string& path) {
  const auto info = os.info_through(path);
  return info && info.value().kind == platform::FileKind::regular;
}

PodLookupPlanning none(std::string why) {
  return {std::nullopt, std::string(kNoFile) + "; " + std::move(why)};
}

// One line of the API server's message, bounded, for the report.
std::string short_text(std::string_view text) {
  std::string line;
  for (const char c : text.substr(0, 300)) line += (c == '\n' || c == '\r' || c == '\t') ? ' ' : c;
  while (!line.empty() && line.back() == ' ') line.pop_back();
  return line;
}

}  // namespace

std::optional<std::string> api_server_url(std::string_view host, std::string_view port,
                                          std::string& why) {
  const bool bracketed = host.size() > 2 && host.front() == '[' && host.back() == ']';
  if (bracketed) host = host.substr(1, host.size() - 2);
  const bool host_ok = !host.empty() && std::all_of(host.begin(), host.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == ':' ||
           c == '%';
  });
  if (!host_ok) {
    why = "KUBERNETES_SERVICE_HOST '" + std::string(host) + "' is not a host";
    return std::nullopt;
  }
  unsigned number = 0;
  const bool port_ok = !port.empty() && port.size() <= 5 &&
                       std::all_of(port.begin(), port.end(),
                                   [&](char c) {
                                     if (c < '0' || c > '9') return false;
                                     number = number * 10 + static_cast<unsigned>(c - '0');
                                     return true;
                                   }) &&
                       number >= 1 && number <= 65535;
  if (!port_ok) {
    why = "KUBERNETES_SERVICE_PORT '" + std::string(port) + "' is not a port";
    return std::nullopt;
  }
  std::string authority;
  if (host.find(':') != std::string_view::npos) {
    // RFC 6874: an IPv6 literal in brackets, its zone's '%' written %25.
    authority = "[";
    for (const char c : host) authority += c == '%' ? std::string("%25") : std::string(1, c);
    authority += "]";
  } else {
    authority = std::string(host);
  }
  return "https://" + authority + ":" + std::to_string(number);
}

PodLookupPlanning plan_pod_lookup(const PodLookupOptions& options, const platform::Platform& os) {
  if (!options.enabled) return none("the own-pod lookup is off (--no-pod-lookup)");
  const auto host = non_empty_env(os, "KUBERNETES_SERVICE_HOST");
  const auto port = non_empty_env(os, "KUBERNETES_SERVICE_PORT");
  if (!host || !port)
    return none(
        "not in a Kubernetes pod (KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not "
        "set), so no own-pod lookup");
  std::string why;
  const auto base = api_server_url(*host, *port, why);
  if (!base) return none(why + ", so no own-pod lookup");
  const auto name = non_empty_env(os, "POD_NAME");
  if (!name)
    return none(
        "in a pod, but POD_NAME is not set (give it from the downward API, metadata.name), so "
        "the pod cannot be looked up");
  if (!is_dns_name(*name, true, 253))
    return none("POD_NAME '" + *name + "' is not a pod name, so the pod cannot be looked up");

  PodLookupPlan plan;
  std::vector<std::string> candidates;
  if (options.service_account_dir) {
    candidates.push_back(*options.service_account_dir);
  } else {
    if (const auto sandbox = non_empty_env(os, "CONTAINER_SANDBOX_MOUNT_POINT"))
      candidates.push_back(under_sandbox(*sandbox));
    candidates.push_back(kDefaultServiceAccountDir);
  }
  const auto with_token =
      std::find_if(candidates.begin(), candidates.end(),
                   [&](const std::string& dir) { return is_file(os, in_dir(dir, "token")); });
  if (with_token == candidates.end()) {
    std::string places;
    for (const auto& dir : candidates)
      places += (places.empty() ? "" : " nor at ") + in_dir(dir, "token");
    return none("in a pod, but no service-account token at " + places +
                " (automountServiceAccountToken: false?), so the pod cannot be looked up");
  }
  plan.service_account_dir = *with_token;
  plan.token_file = in_dir(plan.service_account_dir, "token");
  plan.ca_file = in_dir(plan.service_account_dir, "ca.crt");

  auto space = non_empty_env(os, "POD_NAMESPACE");
  if (!space) {
    if (const auto file = os.read_through(in_dir(plan.service_account_dir, "namespace"), 256)) {
      const auto& text = file.value();
      const auto first = text.find_first_not_of(" \t\r\n");
      if (first != std::string::npos)
        space = text.substr(first, text.find_last_not_of(" \t\r\n") - first + 1);
    }
  }
  if (!space)
    return none("in a pod, but neither POD_NAMESPACE nor " +
                in_dir(plan.service_account_dir, "namespace") +
                " says its namespace, so the pod cannot be looked up");
  if (!is_dns_name(*space, false, 63))
    return none("the namespace '" + *space + "' is not a namespace name, so no own-pod lookup");
  if (!is_file(os, plan.ca_file))
    return none("in a pod, but there is no " + plan.ca_file +
                " to verify the API server's certificate with, so no own-pod lookup");

  plan.pod = *space + "/" + *name;
  plan.url = *base + "/api/v1/namespaces/" + *space + "/pods/" + *name;
  return {std::move(plan), ""};
}

std::string_view to_string(PodGetResult result) {
  switch (result) {
    case PodGetResult::ok:
      return "ok";
    case PodGetResult::http_error:
      return "http_error";
    case PodGetResult::no_token:
      return "no_token";
    case PodGetResult::tls_failed:
      return "tls_failed";
    case PodGetResult::timed_out:
      return "timed_out";
    case PodGetResult::failed:
      return "failed";
  }
  return "failed";
}

std::optional<PodGetResult> pod_get_result_from_string(std::string_view text) {
  for (const auto result :
       {PodGetResult::ok, PodGetResult::http_error, PodGetResult::no_token,
        PodGetResult::tls_failed, PodGetResult::timed_out, PodGetResult::failed})
    if (to_string(result) == text) return result;
  return std::nullopt;
}

std::string describe_failed_pod_get(const PodLookupPlan& plan, const PodGetAnswer& answer) {
  const auto get = "GET " + plan.pod;
  const auto said = answer.detail.empty() ? std::string() : ": " + short_text(answer.detail);
  switch (answer.result) {
    case PodGetResult::ok:
      return get + ": the answer is no usable pod";
    case PodGetResult::no_token:
      return get + " not sent: no usable service-account token" + said;
    case PodGetResult::tls_failed:
      return get + " failed: TLS" + said + " (the API server's certificate is verified against " +
             plan.ca_file + " only)";
    case PodGetResult::timed_out:
      return get + " failed: no answer within " + std::to_string(kPodGetTimeout.count() / 1000) +
             " s" + said;
    case PodGetResult::failed:
      return get + " failed" + said;
    case PodGetResult::http_error:
      break;
  }
  const auto status = std::to_string(answer.http_status);
  switch (answer.http_status) {
    case 401:
      return get + ": 401 Unauthorized" +
             (answer.attempts > 1
                  ? ", again after re-reading " + plan.token_file + " and retrying once"
                  : std::string()) +
             ": the API server does not accept the service-account token" + said;
    case 403:
      return get +
             ": 403 Forbidden: RBAC does not let this service account get its own pod (it needs "
             "a Role allowing get on pods and a RoleBinding, as deploy/kustomize/base has)" +
             said;
    case 404:
      return get +
             ": 404 Not Found: no such pod (POD_NAME and POD_NAMESPACE come from the downward "
             "API: metadata.name, metadata.namespace)" +
             said;
    default:
      return get + ": HTTP " + status + said;
  }
}

probes::ApiAccess api_access(const PodLookupOptions& options, const platform::Platform& os,
                             PodGet get_pod) {
  probes::ApiAccess access;
  access.service_account_dir = options.service_account_dir;
  if (!options.enabled || !get_pod) return access;
  access.read = [&os, get_pod = std::move(get_pod)](const probes::ApiRead& read) {
    probes::ApiAnswer answer;
    const auto host = os.env("KUBERNETES_SERVICE_HOST");
    const auto port = os.env("KUBERNETES_SERVICE_PORT");
    std::string why;
    const auto base = host && port ? api_server_url(*host, *port, why) : std::nullopt;
    if (!base) {
      answer.result = "no_server";
      answer.detail = host && port ? why : "KUBERNETES_SERVICE_HOST or _PORT is not set";
      return answer;
    }
    PodLookupPlan plan;
    plan.url = *base + read.path;
    plan.token_file = read.token_file;
    plan.ca_file = read.ca_file;
    plan.connect_timeout = read.connect_timeout;
    plan.timeout = read.timeout;
    const auto got = get_pod(plan);
    answer.result = std::string(to_string(got.result));
    answer.http_status = got.http_status;
    answer.attempts = got.attempts;
    answer.detail = got.detail;
    return answer;
  };
  return access;
}

}  // namespace capprobe::agent
