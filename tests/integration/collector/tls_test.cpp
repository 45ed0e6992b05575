// The collector over HTTPS on loopback, with a CA and certificates the test makes: modern TLS
// only (an OpenSSL client forcing TLS 1.1 or a CBC cipher is refused), and a rotated certificate
// pair is picked up for new handshakes while open connections keep working.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "support/collector_process.hpp"
#include "support/http_client.hpp"
#include "support/sample_report.hpp"
#include "support/text.hpp"
#include "test_pki.hpp"

using namespace capprobe::collector::testing;
using capprobe::testing::PemFiles;
using capprobe::testing::TestCa;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

const Headers kBearer = {{"Authorization", "Bearer tls-test-token"}};

// A collector with HTTPS and a token, the certificate and key at `cert` and `key`.
std::unique_ptr<CollectorProcess> start(const TempDir& dir, const std::string& cert,
                                        const std::string& key) {
  { std::ofstream(dir.path() + "/token") << "tls-test-token\n"; }
  return std::make_unique<CollectorProcess>(
      dir.path() + "/c.db", std::vector<std::string>{"--token-file", dir.path() + "/token",
                                                     "--tls-cert", cert, "--tls-key", key});
}

ClientTls trusting(const TestCa& ca) {
  return ClientTls{ca.certificate(), "", "", "", -1};
}

// The CN of the certificate a new connection is served.
std::string served_name(std::uint16_t port, const TestCa& ca) {
  HttpConnection connection(port, 5s, trusting(ca));
  return connection.connected() ? connection.peer_common_name()
                                : cat({"(", connection.error(), ")"});
}

void copy_pair(const PemFiles& from, const std::string& cert, const std::string& key) {
  fs::copy_file(from.certificate, cert, fs::copy_options::overwrite_existing);
  fs::copy_file(from.private_key, key, fs::copy_options::overwrite_existing);
}

}  // namespace

TEST_CASE("https: reports and reads go over TLS with the given certificate, and only over TLS") {
  TempDir dir;
  const TestCa ca(dir.path());
  const auto pair = ca.issue("collector", "collector-a");
  const auto collector = start(dir, pair.certificate, pair.private_key);
  const auto port = collector->port();

  HttpConnection connection(port, 10s, trusting(ca));
  INFO(connection.error());
  REQUIRE(connection.connected());
  CHECK(connection.peer_common_name() == "collector-a");
  CHECK(connection.tls_version() == "TLSv1.3");
  SampleOptions options;
  options.report_id = "over-tls";
  CHECK(
      connection.request("POST", "/api/v1/reports", sample_report_text(options), kBearer).status ==
      202);
  CHECK(connection.request("GET", "/api/v1/reports/over-tls", "", kBearer).status == 200);
  CHECK(connection.request("GET", "/api/v1/matrix").status == 401);
  CHECK(connection.connected());

  // Plain HTTP on the HTTPS port gets no HTTP answer.
  CHECK(http_request(port, "GET", "/healthz", "", {}, 3s).status == 0);
  CHECK(http_request(port, "GET", "/healthz", "", {}, 3s, trusting(ca)).status == 200);
  CHECK_THAT(collector->log(), Catch::Contains("Listening on https://127.0.0.1:"));
  CHECK_THAT(collector->log(), Catch::Contains("CN=collector-a"));
}

TEST_CASE("https: only TLS 1.2 with forward-secret AEAD ciphers, and TLS 1.3") {
  TempDir dir;
  const TestCa ca(dir.path());
  const auto pair = ca.issue("collector", "collector-a");
  const auto collector = start(dir, pair.certificate, pair.private_key);
  const auto port = collector->port();

  // Security level 0 lets this OpenSSL client offer TLS 1.1 at all: the refusal that follows is
  // the server's ("protocol version" alert), not the client's own.
  auto tls11 = trusting(ca);
  tls11.min_version = tls11.max_version = "TLSv1.1";
  tls11.tls12_ciphers = "DEFAULT:@SECLEVEL=0";
  tls11.security_level = 0;
  HttpConnection old(port, 5s, tls11);
  CHECK_FALSE(old.connected());
  CHECK_THAT(old.error(), Catch::Contains("protocol version"));

  // TLS 1.2 with a CBC cipher, forward-secret but not AEAD: no cipher in common.
  auto cbc = trusting(ca);
  cbc.min_version = cbc.max_version = "TLSv1.2";
  cbc.tls12_ciphers = "ECDHE-ECDSA-AES128-SHA256:ECDHE-ECDSA-AES256-SHA384:ECDHE-ECDSA-AES128-SHA";
  HttpConnection weak(port, 5s, cbc);
  CHECK_FALSE(weak.connected());
  CHECK_THAT(weak.error(), Catch::Contains("handshake failure"));

  auto gcm = trusting(ca);
  gcm.min_version = gcm.max_version = "TLSv1.2";
  gcm.tls12_ciphers = "ECDHE-ECDSA-AES128-GCM-SHA256";
  HttpConnection tls12(port, 5s, gcm);
  INFO(tls12.error());
  CHECK(tls12.connected());
  CHECK(tls12.tls_version() == "TLSv1.2");
  CHECK(tls12.tls_cipher() == "ECDHE-ECDSA-AES128-GCM-SHA256");
  CHECK(tls12.request("GET", "/healthz").status == 200);

  auto chacha = gcm;
  chacha.tls12_ciphers = "ECDHE-ECDSA-CHACHA20-POLY1305";
  CHECK(HttpConnection(port, 5s, chacha).connected());

  auto tls13 = trusting(ca);
  tls13.min_version = "TLSv1.3";
  HttpConnection modern(port, 5s, tls13);
  CHECK(modern.connected());
  CHECK(modern.tls_version() == "TLSv1.3");
}

TEST_CASE("https: rotated files are picked up for new connections, open ones keep working") {
  TempDir dir;
  const TestCa ca(dir.path());
  const auto a = ca.issue("a", "collector-a");
  const auto b = ca.issue("b", "collector-b");
  const auto c = ca.issue("c", "collector-c");
  // The layout of a Kubernetes Secret volume: the files are links through "..data", which the
  // kubelet swaps to a new directory in one rename when cert-manager renews the Secret.
  const auto mount = dir.path() + "/tls";
  fs::create_directories(mount + "/..v1");
  copy_pair(a, mount + "/..v1/tls.crt", mount + "/..v1/tls.key");
  fs::create_directory_symlink("..v1", mount + "/..data");
  fs::create_symlink("..data/tls.crt", mount + "/tls.crt");
  fs::create_symlink("..data/tls.key", mount + "/tls.key");
  const auto collector = start(dir, mount + "/tls.crt", mount + "/tls.key");
  const auto port = collector->port();

  HttpConnection kept(port, 10s, trusting(ca));
  REQUIRE(kept.connected());
  CHECK(kept.peer_common_name() == "collector-a");
  CHECK(kept.request("GET", "/api/v1/matrix", "", kBearer).status == 200);

  fs::create_directories(mount + "/..v2");
  copy_pair(b, mount + "/..v2/tls.crt", mount + "/..v2/tls.key");
  fs::create_directory_symlink("..v2", mount + "/..data.tmp");
  fs::rename(mount + "/..data.tmp", mount + "/..data");
  CHECK(wait_until([&] { return served_name(port, ca) == "collector-b"; }, 10s));
  CHECK_THAT(collector->log(), Catch::Contains("CN=collector-b"));
  // The connection made before the rotation is still served, on its old session.
  CHECK(kept.request("GET", "/api/v1/matrix", "", kBearer).status == 200);
  CHECK(kept.connected());
  CHECK(kept.peer_common_name() == "collector-a");

  // A broken pair (a certificate with another certificate's key) is logged and not used.
  fs::create_directories(mount + "/..v3");
  copy_pair(PemFiles{a.certificate, b.private_key}, mount + "/..v3/tls.crt",
            mount + "/..v3/tls.key");
  fs::create_directory_symlink("..v3", mount + "/..data.tmp");
  fs::rename(mount + "/..data.tmp", mount + "/..data");
  CHECK(wait_until(
      [&] { return collector->log().find("kept the pair in use") != std::string::npos; }, 10s));
  CHECK(served_name(port, ca) == "collector-b");

  // Files rewritten in place, the key first: the new pair is loaded once both agree.
  fs::copy_file(c.private_key, mount + "/..v3/tls.key", fs::copy_options::overwrite_existing);
  fs::copy_file(c.certificate, mount + "/..v3/tls.crt", fs::copy_options::overwrite_existing);
  CHECK(wait_until([&] { return served_name(port, ca) == "collector-c"; }, 10s));
  CHECK(kept.request("GET", "/api/v1/matrix", "", kBearer).status == 200);
}

TEST_CASE("https: a missing or half-given certificate stops the start with the reason") {
  TempDir dir;
  const TestCa ca(dir.path());
  const auto pair = ca.issue("collector", "collector-a");
  CHECK_THROWS_WITH(start(dir, dir.path() + "/absent.crt", pair.private_key),
                    Catch::Contains("absent.crt"));
  CHECK_THROWS_WITH(start(dir, pair.certificate, ca.certificate()),
                    Catch::Contains("collector.key") || Catch::Contains("ca.crt"));
  CHECK_THROWS_WITH(
      CollectorProcess(dir.path() + "/c.db", {"--public-read", "--tls-cert", pair.certificate}),
      Catch::Contains("--tls-cert and --tls-key go together"));
}
