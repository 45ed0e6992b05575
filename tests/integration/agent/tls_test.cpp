// Delivery over HTTPS on loopback: the collector's certificate is verified by default, and
// --ca-file is how an agent trusts a private CA.
#include <catch2/catch.hpp>

#include "child_process.hpp"
#include "loopback_http.hpp"
#include "scratch.hpp"
#include "test_certificates.hpp"

using namespace capprobe::it;
using namespace std::chrono_literals;

namespace {

const std::vector<std::string> kEnv = loopback_only_env();

}  // namespace

TEST_CASE("https: an untrusted collector certificate is refused, --ca-file makes it trusted") {
  if (!can_make_certificates()) {
    WARN("SKIPPED: no openssl command to make a test certificate");
    return;
  }
  Scratch scratch("agent-tls");
  const auto certificate = make_certificate(scratch.str(), "collector");
  FakeCollector collector(0, certificate);
  REQUIRE(collector.url().rfind("https://127.0.0.1:", 0) == 0);
  const std::vector<std::string> base = {CAPPROBE_AGENT_BIN, "agent",          "--collector",
                                         collector.url(),    "--once",         "--quick",
                                         "--spool-dir",      scratch / "spool"};

  // Verified by default: a self-signed certificate is not trusted, so nothing is sent.
  ChildProcess untrusted(base, kEnv, scratch.str());
  REQUIRE(untrusted.wait_exit(60s) == 0);
  INFO(untrusted.out() << untrusted.err());
  REQUIRE(untrusted.out().rfind("spooled report ", 0) == 0);
  REQUIRE(untrusted.out().find("certificate") != std::string::npos);
  REQUIRE(collector.received().empty());
  REQUIRE(collector.failed_handshakes() >= 1);

  // Trusted through --ca-file: this round's report and the one spooled above both arrive.
  auto trusted_args = base;
  trusted_args.insert(trusted_args.end(), {"--ca-file", certificate.certificate_pem});
  ChildProcess trusted(trusted_args, kEnv, scratch.str());
  REQUIRE(trusted.wait_exit(60s) == 0);
  INFO(trusted.out() << trusted.err());
  REQUIRE(trusted.out().rfind("delivered report ", 0) == 0);
  REQUIRE(collector.stored_ids().size() == 2);
}
