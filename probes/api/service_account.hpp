// api.service_account: the pod's service-account token, as a workload uses it: mounted,
// readable, not expired (the JWT's exp, decoded without verifying; the token is never kept or
// printed), its files reached through the kubelet's atomic-writer symlinks (..data -> a
// timestamped directory; token -> ..data/token), which is exactly what a runtime without working
// symlinks breaks (Windows), and ONE authenticated read-only request to the API server
// (GET /version), bounded, TLS verified against the directory's ca.crt.
//
// OS-neutral: the directory is read through the Platform's own-view calls, the request through
// ProbeContext::api_read. Each OS's file says where the directory is.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "probes/probe.hpp"

namespace capprobe::probes::api {

ProbeInfo service_account_info();

inline constexpr const char* kServiceAccountDir = "/var/run/secrets/kubernetes.io/serviceaccount";
inline constexpr const char* kApiReadPath = "/version";

struct TokenFile {
  std::string name;                   // "token", "ca.crt", "namespace"
  std::optional<std::string> kind;    // what lstat saw: "symlink", "regular", ...; null: absent
  std::optional<std::string> target;  // the link's target, for a symlink
  bool readable = false;
  std::optional<std::string> error;  // the read's (or lstat's) error
};

// What the token's payload says, and nothing else of it.
struct TokenClaims {
  std::size_t bytes = 0;
  std::optional<std::int64_t> exp;  // seconds since the epoch
  std::optional<std::string> decode_error;
};

struct ServiceAccountFacts {
  std::string dir;
  bool dir_present = false;
  bool in_cluster = false;  // KUBERNETES_SERVICE_HOST is set
  std::optional<bool> requested;
  std::vector<TokenFile> files;
  std::optional<std::string> data_link;  // ..data's target, when it is a link
  std::optional<TokenClaims> token;
  std::int64_t now = 0;                      // wall clock, seconds since the epoch
  std::optional<ApiAnswer> api;              // the one request's answer; the body is not kept
  std::optional<std::string> api_not_asked;  // why no request was made
};

// Decodes a JWT's payload (base64url, unverified) for its exp; the text is not kept.
TokenClaims token_claims(const std::string& token);

ServiceAccountFacts collect_service_account_facts(ProbeContext& ctx, const std::string& dir);
CapabilityResult judge_service_account(const ServiceAccountFacts& facts);

}  // namespace capprobe::probes::api
