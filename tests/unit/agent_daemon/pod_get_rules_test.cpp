// The own-pod GET's client-independent rules (agent/daemon/pod_get_rules.hpp), which libcurl's
// GET on Linux and WinHTTP's on Windows both follow: the token read per request and never
// repeated in a detail, the answer read from the API server's status and body, the one retry
// after a 401; and the host name a certificate is checked against.
#include <catch2/catch.hpp>

#include <fstream>
#include <vector>

#include "agent/daemon/pod_get_rules.hpp"
#include "temp_dir.hpp"

using namespace capprobe::agent::daemon;
using capprobe::agent::PodGetAnswer;
using capprobe::agent::PodGetResult;

namespace {

PodGetConfig config_with_token_file(const std::string& token_file) {
  PodGetConfig config;
  config.url = "https://[fd00::1]:443/api/v1/namespaces/capprobe/pods/p";
  config.token_file = token_file;
  config.ca_file = "/sa/ca.crt";
  return config;
}

PodGetAnswer http_answer(long status) {
  return pod_answer_from_http(status, status == 200 ? R"({"kind":"Pod"})" : "");
}

}  // namespace

TEST_CASE("pod get: the token is read from the file as it is now, trimmed", "[pod_get]") {
  capprobe::test::TempDir dir;
  const auto file = dir / "token";
  std::ofstream(file) << "eyJhbGciOi.first\n";
  std::string token;
  REQUIRE_FALSE(read_pod_token(config_with_token_file(file), token));
  CHECK(token == "eyJhbGciOi.first");
  // The kubelet replaced the file: the next request reads the new one.
  std::ofstream(file, std::ios::trunc) << "eyJhbGciOi.second";
  REQUIRE_FALSE(read_pod_token(config_with_token_file(file), token));
  CHECK(token == "eyJhbGciOi.second");
  CHECK(bearer_header(token) == "Authorization: Bearer eyJhbGciOi.second");
}

TEST_CASE("pod get: no usable token is no_token with the why, never the file's content",
          "[pod_get]") {
  capprobe::test::TempDir dir;
  std::string token;
  const auto missing = read_pod_token(config_with_token_file(dir / "absent"), token);
  REQUIRE(missing);
  CHECK(missing->result == PodGetResult::no_token);
  CHECK(missing->attempts == 0);
  CHECK(missing->detail.find(dir / "absent") != std::string::npos);

  const auto file = dir / "token";
  std::ofstream(file) << "secret-part1 secret-part2\n";  // a space cannot go in a header
  const auto unusable = read_pod_token(config_with_token_file(file), token);
  REQUIRE(unusable);
  CHECK(unusable->result == PodGetResult::no_token);
  CHECK(unusable->detail.find("no usable token") != std::string::npos);
  CHECK(unusable->detail.find("secret-part") == std::string::npos);
  CHECK(token.empty());
}

TEST_CASE("pod get: 200 is the pod, another status says the API server's Status message",
          "[pod_get]") {
  const auto ok = pod_answer_from_http(200, R"({"kind":"Pod","metadata":{"name":"p"}})");
  CHECK(ok.result == PodGetResult::ok);
  CHECK(ok.http_status == 200);
  CHECK(ok.attempts == 1);
  CHECK(ok.body == R"({"kind":"Pod","metadata":{"name":"p"}})");

  const auto forbidden = pod_answer_from_http(
      403, R"({"kind":"Status","apiVersion":"v1","status":"Failure","message":"pods \"p\" is )"
           R"(forbidden: User \"system:serviceaccount:capprobe:capprobe-agent\" cannot get )"
           R"(resource \"pods\"\nin the namespace \"other\"","reason":"Forbidden","code":403})");
  CHECK(forbidden.result == PodGetResult::http_error);
  CHECK(forbidden.http_status == 403);
  CHECK(forbidden.body.empty());
  CHECK(forbidden.detail ==
        "pods \"p\" is forbidden: User \"system:serviceaccount:capprobe:capprobe-agent\" cannot "
        "get resource \"pods\" in the namespace \"other\"");

  // Not a Status object (a proxy's page, a plain-text 404): the body's start, on one line.
  const auto plain = pod_answer_from_http(404, "404 page not found\n\tat /api/v1\n");
  CHECK(plain.result == PodGetResult::http_error);
  CHECK(plain.detail == "404 page not found  at /api/v1");
  const auto long_body = pod_answer_from_http(502, std::string(5000, 'x'));
  CHECK(long_body.detail.size() == 300);

  const auto large = pod_answer_too_large();
  CHECK(large.result == PodGetResult::failed);
  CHECK(large.detail == "the answer is larger than " + std::to_string(kMaxPodBytes) + " bytes");
}

TEST_CASE("pod get: a 401 is retried once, with the token read again, nothing else is",
          "[pod_get]") {
  struct Case {
    std::vector<long> statuses;  // what the API server answers, request by request
    std::size_t requests;
    PodGetResult result;
    long last_status;
  };
  const Case cases[] = {
      {{401, 200}, 2, PodGetResult::ok, 200},
      {{401, 401}, 2, PodGetResult::http_error, 401},
      {{401, 403}, 2, PodGetResult::http_error, 403},
      {{200}, 1, PodGetResult::ok, 200},
      {{403}, 1, PodGetResult::http_error, 403},
      {{404}, 1, PodGetResult::http_error, 404},
      {{500}, 1, PodGetResult::http_error, 500},
  };
  for (const auto& c : cases) {
    INFO("first answer " << c.statuses.front());
    std::size_t sent = 0;
    const auto answer = get_pod_with_one_retry(
        config_with_token_file("/sa/token"), [&](const PodGetConfig&, Millis remaining) {
          CHECK(remaining.count() >= 1);
          CHECK(remaining <= capprobe::agent::kPodGetTimeout);
          return http_answer(c.statuses.at(sent++));
        });
    CHECK(sent == c.requests);
    CHECK(answer.result == c.result);
    CHECK(answer.http_status == c.last_status);
    CHECK(answer.attempts == static_cast<int>(c.requests));
  }
}

TEST_CASE("pod get: no retry without a token, after a transport failure, or past the deadline",
          "[pod_get]") {
  for (const auto first : {PodGetResult::no_token, PodGetResult::tls_failed,
                           PodGetResult::timed_out, PodGetResult::failed}) {
    std::size_t sent = 0;
    const auto answer = get_pod_with_one_retry(config_with_token_file("/sa/token"),
                                               [&](const PodGetConfig&, Millis) {
                                                 ++sent;
                                                 PodGetAnswer failed;
                                                 failed.result = first;
                                                 return failed;
                                               });
    CHECK(sent == 1);
    CHECK(answer.result == first);
  }
  // No time left after the first answer: the 401 stands.
  auto config = config_with_token_file("/sa/token");
  config.timeout = Millis(0);
  std::size_t sent = 0;
  const auto answer = get_pod_with_one_retry(config, [&](const PodGetConfig&, Millis remaining) {
    ++sent;
    CHECK(remaining == Millis(1));
    return http_answer(401);
  });
  CHECK(sent == 1);
  CHECK(answer.http_status == 401);
  CHECK(answer.attempts == 1);
}

TEST_CASE("the host a server certificate is checked against: IPv6 without brackets or zone",
          "[pod_get]") {
  CHECK(certificate_host_name("[fd00:10:96::1]") == "fd00:10:96::1");
  CHECK(certificate_host_name("[::1]") == "::1");
  CHECK(certificate_host_name("[fe80::1%25eth0]") == "fe80::1");
  CHECK(certificate_host_name("10.96.0.1") == "10.96.0.1");
  CHECK(certificate_host_name("kubernetes.default.svc") == "kubernetes.default.svc");
  CHECK(certificate_host_name("[") == "[");
}
