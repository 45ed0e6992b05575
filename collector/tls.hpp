// HTTPS for the collector (Beast over Asio's OpenSSL): TLS 1.2 with forward-secret AEAD ciphers
// and TLS 1.3 only, and a certificate pair that is re-read when its files change (cert-manager
// renews it): new handshakes take the new pair, open connections keep the one they began with,
// and a pair that does not load is logged while the one in use stays.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <string_view>

#include <spdlog/logger.h>

#include "collector/beast.hpp"
#include "collector/watched_files.hpp"

#include <boost/asio/ssl/context.hpp>

namespace capprobe::collector {

// The TLS 1.2 ciphers: ECDHE key exchange (forward secrecy) with AES-GCM or ChaCha20-Poly1305.
inline constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";
// TLS 1.3's: all three are AEAD, and every TLS 1.3 key exchange is ephemeral.
inline constexpr const char* kTls13Ciphersuites =
    "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256";

// A server context with those rules and the given pair (PEM text: the certificate, then any
// intermediates; an unencrypted key). Throws std::runtime_error with the reason when the pair
// does not load or the key is not the certificate's.
std::shared_ptr<net::ssl::context> make_server_context(const std::string& certificate_chain_pem,
                                                       const std::string& private_key_pem);

// "CN=collector.example not_after=2027-03-01T00:00:00Z" of a context's certificate.
std::string describe_certificate(net::ssl::context& context);

class ServerTls {
 public:
  // Loads the pair; throws std::runtime_error naming the files when it cannot (a start with
  // --tls-cert must not fall back to plain HTTP).
  ServerTls(std::string certificate_file, std::string key_file);

  // For a new handshake; the connection holds on to it for its life.
  std::shared_ptr<net::ssl::context> context() const { return context_.load(); }

  // Re-reads the pair when its files changed. One caller at a time (the reload timer).
  void reload(spdlog::logger& log);

  std::string summary() const { return summary_; }

 private:
  WatchedFiles watched_;
  std::atomic<std::shared_ptr<net::ssl::context>> context_;
  std::string summary_;
};

}  // namespace capprobe::collector
