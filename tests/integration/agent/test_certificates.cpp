// make_certificate with the openssl command.
#include "test_certificates.hpp"

#include <catch2/catch.hpp>

#include <filesystem>

#include "child_process.hpp"

namespace capprobe::it {
namespace {

constexpr const char* kOpenssl = "/usr/bin/openssl";

}  // namespace

bool can_make_certificates() {
  return std::filesystem::exists(kOpenssl);
}

TlsFiles make_certificate(const std::string& dir, const std::string& stem,
                          const std::vector<std::string>& subject_alt_names) {
  using namespace std::chrono_literals;
  TlsFiles files{dir + "/" + stem + "-cert.pem", dir + "/" + stem + "-key.pem"};
  std::string names;
  for (const auto& name : subject_alt_names) names += (names.empty() ? "" : ",") + name;
  ChildProcess openssl(
      {kOpenssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
       "-nodes", "-keyout", files.private_key_pem, "-out", files.certificate_pem, "-subj",
       "/CN=capprobe-test-" + stem, "-addext", "subjectAltName=" + names, "-days", "1"},
      {}, dir);
  const auto code = openssl.wait_exit(30s);
  INFO(openssl.err());
  REQUIRE(code == 0);
  return files;
}

}  // namespace capprobe::it
