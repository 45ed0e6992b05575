// The own-pod GET end to end: the real capprobe (and its capprobe-deliver) against a fake API
// server on loopback, over HTTPS with a certificate the test made, serving a Pod recorded in
// the API server's shape. No real API server runs here: what the fake proves is capprobe's side
// of the exchange (the request, TLS against ca.crt, the token's handling, every answer read
// right); what a real cluster would add (admission, RBAC as configured, bound-token expiry) is
// for a cluster to show.
#include <catch2/catch.hpp>

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <iterator>
#include <optional>

#include <nlohmann/json.hpp>

#include "agent_run.hpp"
#include "child_process.hpp"
#include "fake_api_server.hpp"
#include "loopback_http.hpp"
#include "scratch.hpp"
#include "test_certificates.hpp"

using namespace capprobe::it;
using namespace std::chrono_literals;

namespace {

constexpr const char* kNamespace = "capprobe";
constexpr const char* kPod = "capprobe-agent-linux-x7k2p";

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

// A pod's world: the API server's certificate (its own CA, as ca.crt is to the real one), the
// service account's directory (token, ca.crt, namespace) and the fake API server holding the
// recorded DaemonSet pod.
struct PodWorld {
  Scratch scratch{"pod-lookup"};
  std::string token = "sa-token-" + std::to_string(::getpid()) + "-c2VjcmV0";
  TlsFiles server_tls;
  std::string sa_dir = scratch / "serviceaccount";
  std::unique_ptr<FakeApiServer> api;
  std::string host;

  explicit PodWorld(const std::string& address = "127.0.0.1") : host(address) {
    server_tls = make_certificate(scratch.str(), "apiserver", {"IP:127.0.0.1", "IP:::1"});
    std::filesystem::create_directories(sa_dir);
    write_text(sa_dir + "/token", token);
    write_text(sa_dir + "/ca.crt", read_text(server_tls.certificate_pem));
    write_text(sa_dir + "/namespace", kNamespace);
    api = std::make_unique<FakeApiServer>(server_tls, kNamespace, token, address);
    api->add_pod(kNamespace, kPod,
                 read_text(std::string(CAPPROBE_FIXTURES) + "/pods/agent-linux-from-api.json"));
  }

  // The kubelet's environment for the pod, plus `extra`. Proxies are set on purpose: the GET
  // must not use them (the port they name has no listener, so a proxied GET would fail).
  std::vector<std::string> env(std::vector<std::string> extra = {}) const {
    std::vector<std::string> all = {"CAPPROBE_LOG=debug",
                                    "KUBERNETES_SERVICE_HOST=" + host,
                                    "KUBERNETES_SERVICE_PORT=" + std::to_string(api->port()),
                                    std::string("POD_NAME=") + kPod,
                                    std::string("POD_NAMESPACE=") + kNamespace,
                                    "NODE_NAME=worker-3",
                                    "CAPPROBE_CONTAINER=",
                                    "https_proxy=http://127.0.0.1:9",
                                    "HTTPS_PROXY=http://127.0.0.1:9",
                                    "http_proxy=http://127.0.0.1:9",
                                    "ALL_PROXY=http://127.0.0.1:9",
                                    "all_proxy=http://127.0.0.1:9",
                                    "NO_PROXY=",
                                    "no_proxy="};
    for (auto& entry : extra) {
      const auto name = entry.substr(0, entry.find('=') + 1);
      std::erase_if(all, [&](const std::string& e) { return e.rfind(name, 0) == 0; });
      all.push_back(std::move(entry));
    }
    return all;
  }

  // The own-pod GET alone: api.service_account's GET /version has tests of its own below.
  std::vector<std::string> probe(std::vector<std::string> flags = {}) const {
    std::vector<std::string> argv = {
        CAPPROBE_AGENT_BIN,      "probe", "--json", "--quick",
        "--service-account-dir", sa_dir,  "--skip", "api.service_account"};
    argv.insert(argv.end(), flags.begin(), flags.end());
    return argv;
  }
};

struct ProbeRun {
  int code = -1;
  nlohmann::json report;
  std::string out, err;
};

ProbeRun run(const PodWorld& world, const std::vector<std::string>& argv,
             const std::vector<std::string>& env) {
  ChildProcess child(argv, env, world.scratch.str());
  ProbeRun result;
  const auto code = child.wait_exit(60s);
  result.out = child.out();
  result.err = child.err();
  INFO("stdout:\n" << result.out << "\nstderr:\n" << result.err);
  REQUIRE(code);
  result.code = *code;
  result.report = nlohmann::json::parse(result.out, nullptr, false);
  REQUIRE(result.report.is_object());
  return result;
}

const nlohmann::json& result_of(const nlohmann::json& report, const std::string& id) {
  for (const auto& result : report.at("results"))
    if (result.at("id") == id) return result;
  FAIL("no result " << id);
  static const nlohmann::json none;
  return none;
}

std::string pod_target(const std::string& space = kNamespace, const std::string& name = kPod) {
  return "/api/v1/namespaces/" + space + "/pods/" + name;
}

#define SKIP_WITHOUT_OPENSSL()                                      \
  if (!can_make_certificates()) {                                   \
    WARN("SKIPPED: no openssl command to make a test certificate"); \
    return;                                                         \
  }

}  // namespace

TEST_CASE("own pod: 200 gives the requests, over TLS against ca.crt, no proxy, no token shown") {
  SKIP_WITHOUT_OPENSSL();
  PodWorld world;
  const auto got = run(world, world.probe(), world.env());
  INFO(got.err);
  REQUIRE(got.code == 0);
  const auto& pod_spec = got.report.at("pod_spec");
  CHECK(pod_spec.at("source") == "api");
  CHECK(pod_spec.at("detail") ==
        std::string("GET capprobe/") + kPod + "; container capprobe, the pod's only one");
  CHECK(got.report.at("subject").at("pod") == std::string("capprobe/") + kPod);
  CHECK(got.report.at("subject").at("container") == "capprobe");
  // What the DaemonSet's pod asked, read from the API server's answer.
  CHECK(result_of(got.report, "fs.readonly_root").at("requested") == true);
  CHECK(result_of(got.report, "host.pid").at("requested") == false);
  CHECK(result_of(got.report, "security.capabilities").at("requested").is_boolean());
  // The projected kube-api-access volume is no hostPath.
  CHECK(result_of(got.report, "fs.host_path").at("requested") == false);

  // Exactly one request, the GET of its own pod, with the token as a bearer.
  const auto requests = world.api->requests();
  REQUIRE(requests.size() == 1);
  CHECK(requests[0].method == "GET");
  CHECK(requests[0].target == pod_target());
  CHECK(requests[0].authorization == "Bearer " + world.token);
  CHECK(requests[0].answered == 200);
  // The token appears nowhere: not in the report, not in the debug log.
  CHECK(got.out.find(world.token) == std::string::npos);
  CHECK(got.err.find(world.token) == std::string::npos);
  CHECK(got.err.find("pod spec from the API server") != std::string::npos);
}

TEST_CASE("own pod: 403 from RBAC for another namespace's pod, the run goes on") {
  SKIP_WITHOUT_OPENSSL();
  PodWorld world;
  const auto got = run(world, world.probe(), world.env({"POD_NAMESPACE=other"}));
  REQUIRE(got.code == 0);
  const auto& pod_spec = got.report.at("pod_spec");
  CHECK(pod_spec.at("source") == "none");
  CHECK_THAT(pod_spec.at("detail").get<std::string>(),
             Catch::StartsWith(std::string("GET other/") + kPod + ": 403 Forbidden: RBAC"));
  CHECK_THAT(pod_spec.at("detail").get<std::string>(),
             Catch::Contains("cannot get resource \"pods\" in API group \"\" in the namespace "
                             "\"other\""));
  CHECK(result_of(got.report, "fs.readonly_root").at("requested").is_null());
  CHECK(got.report.at("results").size() > 5);  // the probes ran all the same
  REQUIRE(world.api->requests().size() == 1);
  CHECK(world.api->requests()[0].answered == 403);
}

TEST_CASE("own pod: 401 for an unknown token, once more after reading it again, then none") {
  SKIP_WITHOUT_OPENSSL();
  PodWorld world;
  write_text(world.sa_dir + "/token", "not-the-token\n");
  const auto got = run(world, world.probe(), world.env());
  REQUIRE(got.code == 0);
  CHECK(got.report.at("pod_spec").at("source") == "none");
  CHECK_THAT(got.report.at("pod_spec").at("detail").get<std::string>(),
             Catch::Contains("401 Unauthorized, again after re-reading " + world.sa_dir +
                             "/token and retrying once"));
  const auto requests = world.api->requests();
  REQUIRE(requests.size() == 2);  // one retry, never more
  for (const auto& request : requests) {
    CHECK(request.answered == 401);
    CHECK(request.authorization == "Bearer not-the-token");
  }
  CHECK(got.err.find("not-the-token") == std::string::npos);
}

TEST_CASE("own pod: a token rotated while the request was in flight is read again after the 401") {
  SKIP_WITHOUT_OPENSSL();
  PodWorld world;
  const std::string fresh = "rotated-" + world.token;
  world.api->rotate_during_next_request(world.sa_dir + "/token", fresh);
  const auto got = run(world, world.probe(), world.env());
  REQUIRE(got.code == 0);
  CHECK(got.report.at("pod_spec").at("source") == "api");
  const auto requests = world.api->requests();
  REQUIRE(requests.size() == 2);
  CHECK(requests[0].authorization == "Bearer " + world.token);
  CHECK(requests[0].answered == 401);
  CHECK(requests[1].authorization == "Bearer " + fresh);
  CHECK(requests[1].answered == 200);
  CHECK(got.err.find(fresh) == std::string::npos);
}

TEST_CASE("own pod: the agent reads the token before each round's request") {
  SKIP_WITHOUT_OPENSSL();
  PodWorld world;
  FakeCollector collector;
  ChildProcess agent(
      {CAPPROBE_AGENT_BIN, "agent", "--collector", collector.url(), "--interval", "1s", "--quick",
       "--spool-dir", world.scratch / "spool", "--service-account-dir", world.sa_dir},
      world.env({"CAPPROBE_LOG=info", "NO_PROXY=*", "no_proxy=*"}), world.scratch.str());
  INFO("stderr:\n" << agent.err());
  REQUIRE(wait_until([&] { return collector.stored_ids().size() >= 1; }, 60s));
  // The token rotates between two rounds: the next request carries the new one, unasked.
  const std::string second = "second-" + world.token;
  world.api->accept_token(second);
  write_text(world.sa_dir + "/token", second + "\n");
  const auto after = world.api->requests().size();
  REQUIRE(wait_until([&] { return collector.stored_ids().size() >= 3; }, 60s));
  agent.signal(SIGTERM);
  REQUIRE(agent.wait_exit(30s) == 0);

  const auto received = collector.received();
  for (const auto& report : received) {
    const auto json = nlohmann::json::parse(report.body);
    CHECK(json.at("agent").at("mode") == "agent");
  }
  // The rounds after the rotation read the pod with the new token.
  const auto last = nlohmann::json::parse(received.back().body);
  CHECK(last.at("pod_spec").at("detail") ==
        std::string("GET capprobe/") + kPod + "; container capprobe, the pod's only one");

  // Each request carries the token the file held when it was sent: the old one up to the
  // rotation, the new one after it, and the new one is never refused.
  const auto requests = world.api->requests();
  REQUIRE(requests.size() >= after + 2);
  CHECK(requests.front().authorization == "Bearer " + world.token);
  CHECK(requests.front().answered == 200);
  std::size_t with_new = 0;
  bool seen_new = false;
  for (const auto& request : requests) {
    const bool is_new = request.authorization == "Bearer " + second;
    CHECK((is_new || request.authorization == "Bearer " + world.token));
    CHECK_FALSE((seen_new && !is_new));  // never back to the old token
    seen_new = seen_new || is_new;
    if (is_new) {
      CHECK(request.answered == 200);
      ++with_new;
    }
  }
  CHECK(with_new >= 2);
  CHECK(agent.err().find(world.token) == std::string::npos);
  CHECK(agent.out().find(second) == std::string::npos);
}

TEST_CASE("own pod: a certificate ca.crt does not vouch for is refused before any request") {
  SKIP_WITHOUT_OPENSSL();
  PodWorld world;
  const auto other = make_certificate(world.scratch.str(), "other-ca");
  write_text(world.sa_dir + "/ca.crt", read_text(other.certificate_pem));
  const auto got = run(world, world.probe(), world.env());
  REQUIRE(got.code == 0);
  CHECK(got.report.at("pod_spec").at("source") == "none");
  CHECK_THAT(got.report.at("pod_spec").at("detail").get<std::string>(),
             Catch::StartsWith(std::string("GET capprobe/") + kPod + " failed: TLS") &&
                 Catch::Contains("verified against " + world.sa_dir + "/ca.crt only"));
  CHECK(world.api->requests().empty());  // the token never left
  CHECK(world.api->failed_handshakes() >= 1);
}

TEST_CASE("own pod: 404 when POD_NAME names no pod") {
  SKIP_WITHOUT_OPENSSL();
  PodWorld world;
  const auto got = run(world, world.probe(), world.env({"POD_NAME=capprobe-agent-linux-gone1"}));
  REQUIRE(got.code == 0);
  CHECK(got.report.at("pod_spec").at("source") == "none");
  CHECK_THAT(got.report.at("pod_spec").at("detail").get<std::string>(),
             Catch::StartsWith("GET capprobe/capprobe-agent-linux-gone1: 404 Not Found") &&
                 Catch::Contains("pods \"capprobe-agent-linux-gone1\" not found"));
  REQUIRE(world.api->requests().size() == 1);
}

TEST_CASE("own pod: an IPv6 service host is bracketed") {
  SKIP_WITHOUT_OPENSSL();
  std::optional<PodWorld> world;
  try {
    world.emplace("::1");
  } catch (const std::exception& error) {
    WARN("SKIPPED: no IPv6 loopback to serve on (" << error.what() << ")");
    return;
  }
  const auto got = run(*world, world->probe(), world->env());
  INFO(got.err);
  REQUIRE(got.code == 0);
  CHECK(got.report.at("pod_spec").at("source") == "api");
  REQUIRE(world->api->requests().size() == 1);
  CHECK(got.err.find("url=https://[::1]:" + std::to_string(world->api->port()) + "/api/v1/") !=
        std::string::npos);
}

TEST_CASE("own pod: no request without a token, with --pod-spec, or with --no-pod-lookup") {
  SKIP_WITHOUT_OPENSSL();
  PodWorld world;
  std::filesystem::remove(world.sa_dir + "/token");
  auto got = run(world, world.probe(), world.env());
  REQUIRE(got.code == 0);
  CHECK_THAT(got.report.at("pod_spec").at("detail").get<std::string>(),
             Catch::Contains("no service-account token at " + world.sa_dir + "/token"));
  write_text(world.sa_dir + "/token", world.token);

  write_text(world.scratch / "pod.json", R"({"kind":"Pod","spec":{"containers":[{"name":"c"}]}})");
  got = run(world, world.probe({"--pod-spec", world.scratch / "pod.json"}), world.env());
  REQUIRE(got.code == 0);
  CHECK(got.report.at("pod_spec").at("source") == "file");

  got = run(world, world.probe({"--no-pod-lookup"}), world.env());
  REQUIRE(got.code == 0);
  CHECK(got.report.at("pod_spec").at("detail") ==
        "no --pod-spec given; the own-pod lookup is off (--no-pod-lookup)");
  CHECK(world.api->requests().empty());
}

TEST_CASE("own pod: an API server that does not answer is given up on at the deadline") {
  SKIP_WITHOUT_OPENSSL();
  PodWorld world;
  world.api->delay_answers(30s);
  const auto started = std::chrono::steady_clock::now();
  const auto got = run(world, world.probe(), world.env());
  const auto took = std::chrono::steady_clock::now() - started;
  REQUIRE(got.code == 0);
  CHECK(took < 20s);  // the 8 s budget, the helper's start and the quick probes
  CHECK(got.report.at("pod_spec").at("source") == "none");
  CHECK_THAT(got.report.at("pod_spec").at("detail").get<std::string>(),
             Catch::Contains("failed: no answer within 8 s"));
}

TEST_CASE("own pod: capprobe sonobuoy reads it too") {
  SKIP_WITHOUT_OPENSSL();
  PodWorld world;
  const auto results = world.scratch / "results";
  ChildProcess child({CAPPROBE_AGENT_BIN, "sonobuoy", "--quick", "--results-dir", results,
                      "--service-account-dir", world.sa_dir},
                     world.env(), world.scratch.str());
  INFO(child.err());
  REQUIRE(wait_until([&] { return std::filesystem::exists(results + "/done"); }, 60s));
  const auto report = nlohmann::json::parse(read_text(results + "/capprobe/report.json"));
  CHECK(report.at("pod_spec").at("source") == "api");
  CHECK(read_text(results + "/capprobe/capprobe.yaml").find("\"fs.readonly_root\"") !=
        std::string::npos);
  child.signal(SIGTERM);
  REQUIRE(child.wait_exit(10s) == 0);
  // The own-pod GET, and api.service_account's one read.
  const auto requests = world.api->requests();
  REQUIRE(requests.size() == 2);
  CHECK(requests[0].target == pod_target());
  CHECK(requests[1].target == "/version");
}

TEST_CASE(
    "api.service_account: one GET /version with the token, TLS against ca.crt, token unshown") {
  SKIP_WITHOUT_OPENSSL();
  PodWorld world;
  const std::vector<std::string> argv = {
      CAPPROBE_AGENT_BIN,      "probe",      "--json", "--quick",
      "--service-account-dir", world.sa_dir, "--only", "api.service_account"};
  const auto got = run(world, argv, world.env());
  REQUIRE(got.code == 0);
  const auto& result = result_of(got.report, "api.service_account");
  INFO(result.dump(2));
  CHECK(result.at("status") == "supported");
  CHECK(result.at("observed") == "authenticated");
  const auto& evidence = result.at("evidence");
  CHECK(evidence.at("dir") == world.sa_dir);
  CHECK(evidence.at("layout") == "plain_files");
  CHECK(evidence.at("api_request").at("http_status") == 200);
  CHECK(evidence.at("api_request").at("path") == "/version");
  // The test's token is no JWT: its expiry is unknown, and said so.
  CHECK(evidence.at("token").at("decode_error") == "not a JWT (header.payload.signature)");
  // The own-pod GET, then the probe's one read, each with the token as a bearer.
  const auto requests = world.api->requests();
  REQUIRE(requests.size() == 2);
  CHECK(requests[0].target == pod_target());
  CHECK(requests[1].target == "/version");
  CHECK(requests[1].authorization == "Bearer " + world.token);
  CHECK(requests[1].answered == 200);
  CHECK(got.out.find(world.token) == std::string::npos);
  CHECK(got.err.find(world.token) == std::string::npos);
}

TEST_CASE("api.service_account: a token the API server rejects, and --no-pod-lookup") {
  SKIP_WITHOUT_OPENSSL();
  PodWorld world;
  std::vector<std::string> argv = {
      CAPPROBE_AGENT_BIN,      "probe",      "--json", "--quick",
      "--service-account-dir", world.sa_dir, "--only", "api.service_account"};
  SECTION("401") {
    write_text(world.sa_dir + "/token", "not-the-token\n");
    // The own-pod GET is tried too, and refused the same way.
    const auto got = run(world, argv, world.env());
    const auto& result = result_of(got.report, "api.service_account");
    CHECK(result.at("status") == "unsupported");
    CHECK(result.at("observed") == "rejected");
    CHECK(result.at("evidence").at("api_request").at("attempts") == 2);  // one retry, no more
  }
  SECTION("--no-pod-lookup sends nothing") {
    argv.push_back("--no-pod-lookup");
    const auto got = run(world, argv, world.env());
    const auto& result = result_of(got.report, "api.service_account");
    CHECK(result.at("status") == "untested");
    CHECK(result.at("observed") == "mounted");
    CHECK(world.api->requests().empty());
  }
}
