// capprobe-test-pki DIR: a private CA and one server certificate for 127.0.0.1, written as
// DIR/ca.crt, DIR/server.crt and DIR/server.key, for the shell checks that need HTTPS
// (tests/deploy/check.sh) on machines that have no openssl command.
#include <exception>
#include <iostream>

#include "test_pki.hpp"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: capprobe-test-pki DIR\n";
    return 2;
  }
  try {
    const capprobe::testing::TestCa ca(argv[1]);
    const auto server = ca.issue("server", "capprobe test server");
    std::cout << ca.certificate() << "\n"
              << server.certificate << "\n"
              << server.private_key << "\n";
  } catch (const std::exception& error) {
    std::cerr << "capprobe-test-pki: " << error.what() << "\n";
    return 1;
  }
  return 0;
}
