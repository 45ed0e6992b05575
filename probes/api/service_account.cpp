// api.service_account: the catalog entry, the collector and the judge; see service_account.hpp.
#include "probes/api/service_account.hpp"

#include <algorithm>
#include <chrono>

#include "probes/common/file_kind.hpp"
#include "probes/common/json.hpp"
#include "probes/common/judge.hpp"
#include "probes/common/text.hpp"
#include "probes/common/worker.hpp"

namespace capprobe::probes::api {
namespace {

constexpr std::size_t kMaxTokenBytes = 64 * 1024;

std::optional<std::string> base64url_decode(std::string_view text) {
  std::string out;
  std::uint32_t buffer = 0;
  int bits = 0;
  for (const char c : text) {
    int value;
    if (c >= 'A' && c <= 'Z')
      value = c - 'A';
    else if (c >= 'a' && c <= 'z')
      value = c - 'a' + 26;
    else if (c >= '0' && c <= '9')
      value = c - '0' + 52;
    else if (c == '-' || c == '+')
      value = 62;
    else if (c == '_' || c == '/')
      value = 63;
    else if (c == '=')
      break;
    else
      return std::nullopt;
    buffer = (buffer << 6) | static_cast<std::uint32_t>(value);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> bits) & 0xFF);
    }
  }
  return out;
}

struct DirLook {
  bool present = false;
  std::vector<TokenFile> files;
  std::optional<std::string> data_link;
  std::optional<TokenClaims> token;
};

// On a worker (a volume may hang). The token's text stays inside this function.
DirLook look(const platform::Platform& os, const std::string& dir) {
  DirLook seen;
  seen.present = os.info_through(dir).ok();
  if (!seen.present) return seen;
  if (const auto data = os.link_target(dir + "/..data")) seen.data_link = data.value();
  for (const char* name : {"token", "ca.crt", "namespace"}) {
    TokenFile file;
    file.name = name;
    const auto path = dir + "/" + name;
    const auto info = os.link_info(path);
    if (!info) {
      file.error = info.error().name;
      seen.files.push_back(file);
      continue;
    }
    file.kind = std::string(file_kind_name(info.value().kind));
    if (info.value().kind == platform::FileKind::symlink)
      if (const auto target = os.link_target(path)) file.target = target.value();
    const auto text = os.read_through(path, kMaxTokenBytes);
    file.readable = text.ok();
    if (!text) file.error = text.error().name;
    if (text && file.name == "token") seen.token = token_claims(text.value());
    seen.files.push_back(file);
  }
  return seen;
}

const TokenFile* file_named(const ServiceAccountFacts& facts, std::string_view name) {
  for (const auto& file : facts.files)
    if (file.name == name) return &file;
  return nullptr;
}

}  // namespace

ProbeInfo service_account_info() {
  // The one API request may take its 3 s and the helper's start; the files take milliseconds.
  return {.id = "api.service_account",
          .title = "Service-account token and API server access",
          .pod_spec_field = "automountServiceAccountToken, the kube-api-access volume",
          .scope = SpecScope::container,
          .platforms = {"linux", "windows"},
          .timeout = std::chrono::milliseconds(7000)};
}

TokenClaims token_claims(const std::string& token) {
  TokenClaims claims;
  auto text = std::string(text::trim(token));
  claims.bytes = text.size();
  const auto first = text.find('.');
  const auto second = first == std::string::npos ? first : text.find('.', first + 1);
  if (second == std::string::npos) {
    claims.decode_error = "not a JWT (header.payload.signature)";
  } else if (const auto payload = base64url_decode(text.substr(first + 1, second - first - 1));
             !payload) {
    claims.decode_error = "the payload is not base64url";
  } else {
    const auto json = nlohmann::json::parse(*payload, nullptr, false);
    if (!json.is_object())
      claims.decode_error = "the payload is not a JSON object";
    else if (json.contains("exp") && json["exp"].is_number())
      claims.exp = json["exp"].get<std::int64_t>();
    else
      claims.decode_error = "the payload has no exp";
  }
  std::fill(text.begin(), text.end(), '\0');
  return claims;
}

ServiceAccountFacts collect_service_account_facts(ProbeContext& ctx, const std::string& dir) {
  ServiceAccountFacts facts;
  facts.dir = dir;
  const auto& requests = ctx.requests;
  if (requests.automount_service_account_token == false)
    facts.requested = false;
  else if (requests.mounts_service_account == true || requests.automount_service_account_token)
    facts.requested = true;
  const auto host = ctx.os.env("KUBERNETES_SERVICE_HOST");
  facts.in_cluster = host && !host->empty();
  facts.now = std::chrono::duration_cast<std::chrono::seconds>(ctx.os.wall_now().time_since_epoch())
                  .count();
  Worker worker;
  const auto limit = step_limit(ctx.place_timeout, ctx.deadline);
  auto& os = ctx.os;
  auto seen = worker.run(limit, [&os, dir] { return look(os, dir); });
  if (seen.done()) {
    facts.dir_present = seen.value->present;
    facts.files = seen.value->files;
    facts.data_link = seen.value->data_link;
    facts.token = seen.value->token;
  } else {
    facts.api_not_asked = "the directory did not answer: " + seen.why_not(limit);
    return facts;
  }
  const auto* token = file_named(facts, "token");
  const auto* ca = file_named(facts, "ca.crt");
  if (!facts.in_cluster) {
    facts.api_not_asked = "KUBERNETES_SERVICE_HOST is not set: no API server is known";
  } else if (!token || !token->readable || !ca || !ca->readable) {
    facts.api_not_asked = "the token or ca.crt cannot be read";
  } else if (facts.token && facts.token->exp && *facts.token->exp <= facts.now) {
    facts.api_not_asked = "the token has expired: the API server would refuse it";
  } else if (!ctx.api.read) {
    facts.api_not_asked =
        "this run sends no API request (--no-pod-lookup, or no way to: a unit test)";
  } else {
    ApiRead read;
    read.path = kApiReadPath;
    read.token_file = dir + "/token";
    read.ca_file = dir + "/ca.crt";
    const auto left = step_limit(read.timeout, ctx.deadline, std::chrono::milliseconds(1500));
    if (left.count() < 500) {
      facts.api_not_asked = "out of time";
    } else {
      read.timeout = left;
      read.connect_timeout = std::min(read.connect_timeout, left);
      auto answer = ctx.api.read(read);
      answer.body.clear();  // only the outcome is evidence
      facts.api = answer;
    }
  }
  return facts;
}

CapabilityResult judge_service_account(const ServiceAccountFacts& facts) {
  CapabilityResult result;
  result.id = "api.service_account";
  result.requested = facts.requested;
  auto& evidence = result.evidence;
  evidence["dir"] = facts.dir;
  evidence["dir_present"] = facts.dir_present;
  evidence["in_cluster"] = facts.in_cluster;
  evidence["files"] = nlohmann::json::array();
  for (const auto& file : facts.files)
    evidence["files"].push_back({{"name", file.name},
                                 {"kind", json_or_null(file.kind)},
                                 {"target", json_or_null(file.target)},
                                 {"readable", file.readable},
                                 {"error", json_or_null(file.error)}});
  evidence["data_link"] = json_or_null(facts.data_link);
  const auto* token = file_named(facts, "token");
  const bool through_links = token && token->kind == "symlink";
  const bool broken_link = token && token->kind == "symlink" && !token->readable;
  evidence["layout"] = !token || !token->kind             ? nlohmann::json()
                       : broken_link                      ? nlohmann::json("broken_symlinks")
                       : facts.data_link && through_links ? nlohmann::json("atomic_writer")
                       : through_links                    ? nlohmann::json("symlinks")
                                                          : nlohmann::json("plain_files");
  std::optional<std::int64_t> expires_in;
  if (facts.token) {
    nlohmann::json claims{{"bytes", facts.token->bytes},
                          {"exp", json_or_null(facts.token->exp)},
                          {"decode_error", json_or_null(facts.token->decode_error)}};
    if (facts.token->exp) {
      expires_in = *facts.token->exp - facts.now;
      claims["expires_in_s"] = *expires_in;
      claims["expired"] = *expires_in <= 0;
    }
    evidence["token"] = claims;
  } else {
    evidence["token"] = nullptr;
  }
  if (facts.api) {
    evidence["api_request"] = {{"path", kApiReadPath},
                               {"result", facts.api->result},
                               {"http_status", facts.api->http_status},
                               {"attempts", facts.api->attempts},
                               {"detail", facts.api->detail}};
  } else {
    evidence["api_request"] = nullptr;
    if (facts.api_not_asked) evidence["api_not_asked"] = *facts.api_not_asked;
  }

  const bool asked = facts.requested == true;
  const bool token_there = token && token->kind.has_value();
  if (!token_there) {
    const auto where = facts.dir_present ? "no token in " + facts.dir : facts.dir + " is absent";
    if (asked) {
      mark_ignored(result, "the service-account token", where);
      result.observed = "missing";
    } else if (!facts.in_cluster && !facts.dir_present) {
      set_verdict(result, Status::untested, "none",
                  "Not in a pod: " + facts.dir +
                      " is absent and KUBERNETES_SERVICE_HOST is not set, so there is no "
                      "service account to try");
    } else {
      set_verdict(result, Status::untested, "none",
                  "No service-account token is mounted (" + where +
                      (facts.requested == false ? "; the pod spec turns automounting off)" : ")") +
                      ": nothing shows whether one would work");
    }
    return result;
  }
  if (!token->readable) {
    set_verdict(result, Status::unsupported, "unreadable",
                "The service-account token is mounted but cannot be read" +
                    std::string(broken_link ? " through its symlink" : "") + " (" +
                    token->error.value_or("?") + ")" +
                    (token->target ? ": token -> " + *token->target : std::string()));
    return result;
  }
  if (expires_in && *expires_in <= 0) {
    set_verdict(result, Status::unsupported, "expired",
                "The service-account token expired " + std::to_string(-*expires_in) +
                    " s ago (its exp, read without verifying): the kubelet did not renew it");
    return result;
  }
  const auto files_text =
      std::string(through_links ? "reached through its symlinks" : "plain files, no symlinks") +
      (expires_in ? ", expires in " + std::to_string(*expires_in) + " s" : "");
  if (!facts.api) {
    set_verdict(result, Status::untested, "mounted",
                "The service-account token is mounted and readable (" + files_text +
                    "), but no API request was made: " + facts.api_not_asked.value_or("?"));
    return result;
  }
  const auto& api = *facts.api;
  const auto said = api.result + (api.http_status ? " " + std::to_string(api.http_status) : "") +
                    (api.detail.empty() ? "" : ": " + api.detail);
  if (api.result == "ok") {
    set_verdict(result, Status::supported, "authenticated",
                "The service-account token is mounted and readable (" + files_text + "), and GET " +
                    kApiReadPath + " with it succeeded (TLS verified with ca.crt)");
  } else if (api.result == "http_error" && api.http_status == 401) {
    set_verdict(result, Status::unsupported, "rejected",
                "The API server rejects the mounted service-account token (" + said + ")");
  } else if (api.result == "http_error" && api.http_status == 403) {
    set_verdict(result, Status::partial, "forbidden",
                "The API server takes the token but forbids GET " + std::string(kApiReadPath) +
                    " (" + said + ")");
  } else if (api.result == "tls_failed") {
    set_verdict(
        result, Status::unsupported, "tls_failed",
        "The API server's certificate does not verify against the mounted ca.crt (" + said + ")");
  } else if (api.result == "no_server") {
    set_verdict(result, Status::untested, "mounted",
                "The service-account token is mounted and readable (" + files_text +
                    "), but no API server address is known (" + said + ")");
  } else {
    set_verdict(result, Status::partial, "unreachable",
                "The service-account token is mounted and readable (" + files_text + "), but GET " +
                    kApiReadPath + " did not succeed (" + said + ")");
  }
  return result;
}

}  // namespace capprobe::probes::api
