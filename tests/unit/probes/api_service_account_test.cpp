// api.service_account: the token's files through the kubelet's ..data symlinks, its exp (read
// without verifying, never printed), the one GET /version through ProbeContext::api, and
// every verdict.
#include <catch2/catch.hpp>

#include "probes/api/service_account.hpp"
#include "probes/common/judge.hpp"
#include "probes/probe_list.hpp"
#include "tests/unit/probes/fs_test_support.hpp"

using capprobe::platform::FakePlatform;
using capprobe::probes::ApiAnswer;
using capprobe::probes::ApiRead;
using capprobe::probes::PodRequests;
using capprobe::probes::Status;
using capprobe::probes::api::token_claims;
using capprobe::testing::context_for;

namespace {

const std::string kDir = "/var/run/secrets/kubernetes.io/serviceaccount";
// FakePlatform::wall_now(): 56 years of days after the epoch.
constexpr std::int64_t kNow = 24ll * 365 * 56 * 3600;

std::string base64url(const std::string& text) {
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  std::uint32_t buffer = 0;
  int bits = 0;
  for (const unsigned char c : text) {
    buffer = (buffer << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += kAlphabet[(buffer >> bits) & 0x3F];
    }
  }
  if (bits > 0) out += kAlphabet[(buffer << (6 - bits)) & 0x3F];
  return out;
}

std::string jwt(std::int64_t exp) {
  return base64url(R"({"alg":"RS256","kid":"k"})") + "." +
         base64url(R"({"aud":["https://kubernetes.default.svc"],"exp":)" + std::to_string(exp) +
                   R"(,"sub":"system:serviceaccount:default:default"})") +
         ".c2lnbmF0dXJl";
}

// The kubelet's atomic-writer layout: the files in a timestamped directory, ..data a link to
// it, and each name a link through ..data.
FakePlatform& mount_token(FakePlatform& os, const std::string& token) {
  const auto data = kDir + "/..2026_12_05_01_02_03.123456789";
  os.file(data + "/token", token)
      .file(data + "/ca.crt", "-----BEGIN CERTIFICATE-----\n")
      .file(data + "/namespace", "default")
      .link(kDir + "/..data", "..2026_12_05_01_02_03.123456789")
      .link(kDir + "/token", "..data/token")
      .link(kDir + "/ca.crt", "..data/ca.crt")
      .link(kDir + "/namespace", "..data/namespace");
  os.environment["KUBERNETES_SERVICE_HOST"] = "10.96.0.1";
  return os;
}

struct Reader {
  ApiAnswer answer;
  std::vector<ApiRead> reads;
  capprobe::probes::ApiReader function() {
    return [this](const ApiRead& read) {
      reads.push_back(read);
      return answer;
    };
  }
};

capprobe::probes::CapabilityResult run(FakePlatform& os, const PodRequests& requests = {},
                                       capprobe::probes::ApiReader reader = nullptr) {
  auto ctx = context_for(os, requests, std::chrono::seconds(7));
  ctx.api.read = std::move(reader);
  return capprobe::probes::api_service_account_linux_probe().run(ctx);
}

}  // namespace

TEST_CASE("api.service_account outside a pod is untested, and says why") {
  FakePlatform os;
  Reader reader;
  const auto result = run(os, {}, reader.function());
  CHECK(result.status == Status::untested);
  CHECK(result.observed == "none");
  CHECK_THAT(result.summary, Catch::Contains("Not in a pod"));
  CHECK(reader.reads.empty());
}

TEST_CASE("api.service_account: the token through ..data, not expired, and GET /version ok") {
  FakePlatform os;
  const auto token = jwt(kNow + 3600);
  mount_token(os, token);
  Reader reader;
  reader.answer.result = "ok";
  reader.answer.http_status = 200;
  reader.answer.attempts = 1;
  reader.answer.body = R"({"major":"1","minor":"31"})";
  const auto result = run(os, {}, reader.function());
  INFO(result.summary);
  CHECK(result.status == Status::supported);
  CHECK(result.observed == "authenticated");
  REQUIRE(reader.reads.size() == 1);  // one request, no more
  CHECK(reader.reads[0].path == "/version");
  CHECK(reader.reads[0].token_file == kDir + "/token");
  CHECK(reader.reads[0].ca_file == kDir + "/ca.crt");
  CHECK(reader.reads[0].timeout <= std::chrono::milliseconds(3000));
  const auto& evidence = result.evidence;
  CHECK(evidence["layout"] == "atomic_writer");
  CHECK(evidence["data_link"] == "..2026_12_05_01_02_03.123456789");
  CHECK(evidence["token"]["expires_in_s"] == 3600);
  CHECK(evidence["token"]["expired"] == false);
  CHECK(evidence["api_request"]["http_status"] == 200);
  // The token never shows: not in the evidence, not in the summary.
  const auto dumped = evidence.dump() + result.summary;
  CHECK(dumped.find(token.substr(token.find('.') + 1, 20)) == std::string::npos);
  CHECK(dumped.find("c2lnbmF0dXJl") == std::string::npos);
}

TEST_CASE("api.service_account: an expired token, a broken symlink") {
  FakePlatform os;
  Reader reader;
  reader.answer.result = "ok";
  SECTION("expired") {
    mount_token(os, jwt(kNow - 60));
    const auto result = run(os, {}, reader.function());
    CHECK(result.status == Status::unsupported);
    CHECK(result.observed == "expired");
    CHECK(reader.reads.empty());
  }
  SECTION("token -> ..data/token with ..data gone (a runtime that cannot follow the links)") {
    os.file(kDir + "/ca.crt", "ca").link(kDir + "/token", "..data/token");
    os.environment["KUBERNETES_SERVICE_HOST"] = "10.96.0.1";
    const auto result = run(os, {}, reader.function());
    CHECK(result.status == Status::unsupported);
    CHECK(result.observed == "unreadable");
    CHECK(result.evidence["layout"] == "broken_symlinks");
    CHECK_THAT(result.summary, Catch::Contains("through its symlink"));
  }
}

TEST_CASE("api.service_account: what the API server answers decides") {
  FakePlatform os;
  mount_token(os, jwt(kNow + 3600));
  Reader reader;
  const auto answered = [&](std::string word, long status) {
    reader.answer.result = std::move(word);
    reader.answer.http_status = status;
    reader.answer.detail = "the server said so";
    return run(os, {}, reader.function());
  };
  SECTION("401") {
    const auto result = answered("http_error", 401);
    CHECK(result.status == Status::unsupported);
    CHECK(result.observed == "rejected");
  }
  SECTION("403") {
    const auto result = answered("http_error", 403);
    CHECK(result.status == Status::partial);
    CHECK(result.observed == "forbidden");
  }
  SECTION("a certificate ca.crt does not vouch for") {
    const auto result = answered("tls_failed", 0);
    CHECK(result.status == Status::unsupported);
    CHECK(result.observed == "tls_failed");
  }
  SECTION("no answer in time") {
    const auto result = answered("timed_out", 0);
    CHECK(result.status == Status::partial);
    CHECK(result.observed == "unreachable");
  }
  SECTION("no API server address") {
    const auto result = answered("no_server", 0);
    CHECK(result.status == Status::untested);
    CHECK(result.observed == "mounted");
  }
}

TEST_CASE("api.service_account without a way to send the request is untested") {
  FakePlatform os;
  mount_token(os, jwt(kNow + 3600));
  const auto result = run(os);
  CHECK(result.status == Status::untested);
  CHECK(result.observed == "mounted");
  CHECK_THAT(result.evidence["api_not_asked"].get<std::string>(), Catch::Contains("no way"));
}

TEST_CASE("api.service_account: a requested token that is not mounted is requested but ignored") {
  FakePlatform os;
  PodRequests requests;
  requests.from_pod_spec = true;
  requests.container_name = "app";
  SECTION("the container mounts the directory") {
    requests.mounts_service_account = true;
    const auto result = run(os, requests);
    CHECK(result.requested_but_ignored());
    CHECK(result.observed == "missing");
  }
  SECTION("automountServiceAccountToken: false") {
    requests.automount_service_account_token = false;
    os.environment["KUBERNETES_SERVICE_HOST"] = "10.96.0.1";
    const auto result = run(os, requests);
    CHECK(result.requested == false);
    CHECK(result.status == Status::untested);
    CHECK_THAT(result.summary, Catch::Contains("turns automounting off"));
  }
}

TEST_CASE("token_claims reads exp and nothing else, and names what is wrong") {
  CHECK(token_claims(jwt(123)).exp == 123);
  CHECK(token_claims("opaque-token").decode_error == "not a JWT (header.payload.signature)");
  CHECK(token_claims("a.!!!.c").decode_error == "the payload is not base64url");
  CHECK(token_claims("a." + base64url(R"({"iat":1})") + ".c").decode_error ==
        "the payload has no exp");
}

TEST_CASE("api.service_account on Windows: under a HostProcess sandbox, through the links") {
  FakePlatform os;
  os.environment["CONTAINER_SANDBOX_MOUNT_POINT"] = "/sandbox/";
  const auto dir = std::string("/sandbox\\var\\run\\secrets\\kubernetes.io\\serviceaccount");
  os.file(dir + "/..d1/token", jwt(kNow + 60))
      .file(dir + "/..d1/ca.crt", "ca")
      .link(dir + "/..data", "..d1")
      .link(dir + "/token", "..data/token")
      .link(dir + "/ca.crt", "..data/ca.crt");
  os.environment["KUBERNETES_SERVICE_HOST"] = "10.96.0.1";
  Reader reader;
  reader.answer.result = "ok";
  reader.answer.http_status = 200;
  const PodRequests requests;
  auto ctx = context_for(os, requests, std::chrono::seconds(7));
  ctx.api.read = reader.function();
  const auto result = capprobe::probes::api_service_account_windows_probe().run(ctx);
  INFO(result.summary);
  CHECK(result.observed == "authenticated");
  REQUIRE(reader.reads.size() == 1);
  CHECK(reader.reads[0].token_file == dir + "/token");
}
