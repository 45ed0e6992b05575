// Delivery over HTTPS on loopback: the collector's certificate is verified by default, and
// --ca-file is how an agent trusts a private CA.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>

#include "child_process.hpp"
#include "loopback_http.hpp"
#include "test_pki.hpp"

using namespace capprobe::it;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

const std::vector<std::string> kEnv = {
    "CAPPROBE_LOG=info", "http_proxy=", "https_proxy=", "HTTP_PROXY=", "HTTPS_PROXY=",
    "ALL_PROXY=",        "all_proxy=",  "NO_PROXY=*",   "no_proxy=*"};

struct TlsScratch {
  fs::path dir = fs::temp_directory_path() / ("capprobe-agent-tls-" + std::to_string(::getpid()));
  TlsScratch() {
    fs::remove_all(dir);
    fs::create_directories(dir);
  }
  ~TlsScratch() {
    std::error_code ignored;
    fs::remove_all(dir, ignored);
  }
  std::string operator/(const std::string& name) const { return (dir / name).string(); }
};

}  // namespace

TEST_CASE("https: an untrusted collector certificate is refused, --ca-file makes it trusted") {
  TlsScratch scratch;
  const capprobe::testing::TestCa ca(scratch.dir.string());
  const auto issued = ca.issue("collector", "capprobe-test-collector");
  FakeCollector collector(0, TlsFiles{issued.certificate, issued.private_key});
  REQUIRE(collector.url().rfind("https://127.0.0.1:", 0) == 0);
  const std::vector<std::string> base = {CAPPROBE_AGENT_BIN, "agent",          "--collector",
                                         collector.url(),    "--once",         "--quick",
                                         "--spool-dir",      scratch / "spool"};

  // Verified by default: a private CA is not trusted, so nothing is sent.
  ChildProcess untrusted(base, kEnv, scratch.dir.string());
  REQUIRE(untrusted.wait_exit(60s) == 0);
  INFO(untrusted.out() << untrusted.err());
  REQUIRE(untrusted.out().rfind("spooled report ", 0) == 0);
  REQUIRE(untrusted.out().find("certificate") != std::string::npos);
  REQUIRE(collector.received().empty());
  REQUIRE(collector.failed_handshakes() >= 1);

  // Trusted through --ca-file: this round's report and the one spooled above both arrive.
  auto trusted_args = base;
  trusted_args.insert(trusted_args.end(), {"--ca-file", ca.certificate()});
  ChildProcess trusted(trusted_args, kEnv, scratch.dir.string());
  REQUIRE(trusted.wait_exit(60s) == 0);
  INFO(trusted.out() << trusted.err());
  REQUIRE(trusted.out().rfind("delivered report ", 0) == 0);
  REQUIRE(collector.stored_ids().size() == 2);
}
