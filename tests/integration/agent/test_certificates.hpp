// Certificates made by the test itself, so that no key lives in the repository: a self-signed
// server certificate for the fake HTTPS collector and the fake API server (it is its own CA,
// as the cluster's ca.crt is to the API server's certificate).
#pragma once

#include <string>
#include <vector>

#include "loopback_http.hpp"

namespace capprobe::it {

// True when the openssl command the certificates are made with is there; tests skip without.
bool can_make_certificates();

// A self-signed certificate (EC P-256, one day) in `dir` as `<stem>-cert.pem` and
// `<stem>-key.pem`, valid for `subject_alt_names` ("IP:127.0.0.1", "IP:::1", "DNS:x"). Fails the
// current test when openssl fails.
TlsFiles make_certificate(const std::string& dir, const std::string& stem,
                          const std::vector<std::string>& subject_alt_names = {"IP:127.0.0.1"});

}  // namespace capprobe::it
