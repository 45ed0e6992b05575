// Certificates for the HTTPS tests, made by the test itself (no key lives in the repository): a
// private CA and server certificates for 127.0.0.1 it signs. Shared by the agent's and the
// collector's integration tests; OpenSSL's library, so no openssl command is needed.
#pragma once

#include <memory>
#include <string>

namespace capprobe::testing {

struct PemFiles {
  std::string certificate;  // path of the certificate (PEM)
  std::string private_key;  // path of its unencrypted key (PEM)
};

class TestCa {
 public:
  // A CA (EC P-256, valid one day) whose certificate is written to `dir`/ca.crt.
  explicit TestCa(std::string dir, const std::string& common_name = "capprobe test CA");
  ~TestCa();
  TestCa(const TestCa&) = delete;
  TestCa& operator=(const TestCa&) = delete;

  // What a client trusts (--ca-file).
  const std::string& certificate() const;
  // A server certificate for IP 127.0.0.1 and DNS localhost, signed by this CA, with the given
  // subject CN (so a client can tell two of them apart), written to `dir`/<name>.crt and
  // <name>.key. Each call makes a new key.
  PemFiles issue(const std::string& name, const std::string& common_name) const;

 private:
  struct Key;
  std::string dir_;
  std::string certificate_;
  std::unique_ptr<Key> key_;
};

}  // namespace capprobe::testing
