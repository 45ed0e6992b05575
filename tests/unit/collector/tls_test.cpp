// The collector's TLS contexts: the protocol rules they carry, a pair that does not belong
// together refused, and a rotated pair taken (or, broken, logged and not taken).
#include <catch2/catch.hpp>

#include <openssl/ssl.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <spdlog/sinks/ostream_sink.h>

#include "collector/tls.hpp"
#include "support/collector_process.hpp"
#include "test_pki.hpp"

using namespace capprobe::collector;
using capprobe::collector::testing::TempDir;
using capprobe::testing::PemFiles;
using capprobe::testing::TestCa;
namespace fs = std::filesystem;

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string common_name(net::ssl::context& context) {
  const auto description = describe_certificate(context);
  return description.substr(0, description.find(' '));
}

void install(const PemFiles& pair, const std::string& cert, const std::string& key) {
  fs::copy_file(pair.certificate, cert, fs::copy_options::overwrite_existing);
  fs::copy_file(pair.private_key, key, fs::copy_options::overwrite_existing);
}

}  // namespace

TEST_CASE("a server context: TLS 1.2 and up, ECDHE with AEAD only, no resumption") {
  TempDir dir;
  const TestCa ca(dir.path());
  const auto pair = ca.issue("server", "collector-a");
  const auto context =
      make_server_context(read_file(pair.certificate), read_file(pair.private_key));
  SSL_CTX* native = context->native_handle();
  CHECK(SSL_CTX_get_min_proto_version(native) == TLS1_2_VERSION);
  CHECK(SSL_CTX_get_session_cache_mode(native) == SSL_SESS_CACHE_OFF);
  CHECK(SSL_CTX_get_num_tickets(native) == 0);
  CHECK((SSL_CTX_get_options(native) & SSL_OP_NO_COMPRESSION) != 0);
  CHECK((SSL_CTX_get_options(native) & SSL_OP_NO_RENEGOTIATION) != 0);

  const STACK_OF(SSL_CIPHER)* ciphers = SSL_CTX_get_ciphers(native);
  REQUIRE(ciphers != nullptr);
  int tls12 = 0, tls13 = 0;
  for (int i = 0; i < sk_SSL_CIPHER_num(ciphers); ++i) {
    const SSL_CIPHER* cipher = sk_SSL_CIPHER_value(ciphers, i);
    INFO(SSL_CIPHER_get_name(cipher));
    CHECK(SSL_CIPHER_is_aead(cipher) == 1);
    const int kx = SSL_CIPHER_get_kx_nid(cipher);
    if (kx == NID_kx_any) {
      ++tls13;  // TLS 1.3: the key exchange is always ephemeral
    } else {
      ++tls12;
      CHECK(kx == NID_kx_ecdhe);
    }
  }
  CHECK(tls12 == 6);
  CHECK(tls13 == 3);
  CHECK(common_name(*context) == "CN=collector-a");
  CHECK_THAT(describe_certificate(*context), Catch::Contains("not_after="));
}

TEST_CASE("a server context refuses a key that is not the certificate's, and garbage") {
  TempDir dir;
  const TestCa ca(dir.path());
  const auto a = ca.issue("a", "collector-a");
  const auto b = ca.issue("b", "collector-b");
  CHECK_THROWS_WITH(make_server_context(read_file(a.certificate), read_file(b.private_key)),
                    Catch::Contains("key"));
  CHECK_THROWS_WITH(make_server_context("not a certificate", read_file(a.private_key)),
                    Catch::Contains("the certificate does not load"));
  CHECK_THROWS_WITH(make_server_context(read_file(a.certificate), ""),
                    Catch::Contains("the key does not load"));
  CHECK_THROWS_WITH(ServerTls(dir.path() + "/absent.crt", a.private_key),
                    Catch::Contains("--tls-cert") && Catch::Contains("absent.crt"));
}

TEST_CASE("ServerTls takes a rotated pair for new contexts and keeps the old on a broken one") {
  TempDir dir;
  const TestCa ca(dir.path());
  const auto cert = dir.path() + "/tls.crt";
  const auto key = dir.path() + "/tls.key";
  install(ca.issue("a", "collector-a"), cert, key);
  std::ostringstream text;
  spdlog::logger log("test", std::make_shared<spdlog::sinks::ostream_sink_st>(text));

  ServerTls tls(cert, key);
  const auto first = tls.context();
  CHECK(common_name(*first) == "CN=collector-a");
  tls.reload(log);
  CHECK(tls.context() == first);  // unchanged files: the same context

  install(ca.issue("b", "collector-b"), cert, key);
  tls.reload(log);
  CHECK(tls.context() == first);  // seen once: it may be half-written
  tls.reload(log);
  CHECK(common_name(*tls.context()) == "CN=collector-b");
  CHECK(common_name(*first) == "CN=collector-a");  // a connection holding it keeps it whole
  CHECK_THAT(text.str(), Catch::Contains("CN=collector-b"));

  // Only the key changed: the pair does not match; logged once, and not used.
  const auto b_context = tls.context();
  fs::copy_file(ca.issue("c", "collector-c").private_key, key,
                fs::copy_options::overwrite_existing);
  for (int i = 0; i < 4; ++i) tls.reload(log);
  CHECK(tls.context() == b_context);
  const auto logged = text.str();
  CHECK_THAT(logged, Catch::Contains("kept the pair in use, CN=collector-b"));
  CHECK(logged.find("kept the pair") == logged.rfind("kept the pair"));

  // Then the certificate follows: the pair is whole again and taken.
  fs::copy_file(dir.path() + "/c.crt", cert, fs::copy_options::overwrite_existing);
  tls.reload(log);
  tls.reload(log);
  CHECK(common_name(*tls.context()) == "CN=collector-c");
}
