// The collector's TLS contexts: the protocol rules, loading a pair, and picking up a new one.
#include "collector/tls.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <ctime>
#include <stdexcept>

namespace capprobe::collector {
namespace {

std::string openssl_reason() {
  char reason[256] = "unknown reason";
  if (const unsigned long code = ERR_get_error()) ERR_error_string_n(code, reason, sizeof reason);
  ERR_clear_error();
  return reason;
}

}  // namespace

std::shared_ptr<net::ssl::context> make_server_context(const std::string& certificate_chain_pem,
                                                       const std::string& private_key_pem) {
  auto context = std::make_shared<net::ssl::context>(net::ssl::context::tls_server);
  SSL_CTX* native = context->native_handle();
  if (SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION) != 1 ||
      SSL_CTX_set_cipher_list(native, kTls12Ciphers) != 1 ||
      SSL_CTX_set_ciphersuites(native, kTls13Ciphersuites) != 1)
    throw std::runtime_error("setting up TLS failed: " + openssl_reason());
  // No compression (CRIME), no renegotiation. No session resumption either: a ticket key that
  // lives as long as the process would weaken forward secrecy, and agents connect once a round.
  SSL_CTX_set_options(native, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_TICKET);
  SSL_CTX_set_session_cache_mode(native, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_num_tickets(native, 0);

  boost::system::error_code ec;
  context->use_certificate_chain(net::buffer(certificate_chain_pem), ec);
  if (ec) throw std::runtime_error("the certificate does not load: " + ec.message());
  context->use_private_key(net::buffer(private_key_pem), net::ssl::context::pem, ec);
  if (ec) throw std::runtime_error("the key does not load: " + ec.message());
  if (SSL_CTX_check_private_key(native) != 1)
    throw std::runtime_error("the key is not the certificate's: " + openssl_reason());
  return context;
}

std::string describe_certificate(net::ssl::context& context) {
  X509* certificate = SSL_CTX_get0_certificate(context.native_handle());
  if (!certificate) return "no certificate";
  std::unique_ptr<BIO, decltype(&BIO_free)> out(BIO_new(BIO_s_mem()), &BIO_free);
  X509_NAME_print_ex(out.get(), X509_get_subject_name(certificate), 0, XN_FLAG_RFC2253);
  char* data = nullptr;
  const long size = BIO_get_mem_data(out.get(), &data);
  std::string text(data, static_cast<std::size_t>(size));
  std::tm until{};
  if (ASN1_TIME_to_tm(X509_get0_notAfter(certificate), &until) == 1) {
    char when[32];
    std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &until);
    text += std::string(" not_after=") + when;
    if (X509_cmp_current_time(X509_get0_notAfter(certificate)) < 0) text += " (EXPIRED)";
  }
  return text;
}

ServerTls::ServerTls(std::string certificate_file, std::string key_file)
    : watched_({std::move(certificate_file), std::move(key_file)}) {
  const auto contents = watched_.read();
  const auto files = "--tls-cert " + watched_.paths()[0] + " --tls-key " + watched_.paths()[1];
  if (!contents.error.empty()) throw std::runtime_error(files + ": " + contents.error);
  try {
    context_.store(make_server_context(contents.texts[0], contents.texts[1]));
  } catch (const std::exception& error) {
    throw std::runtime_error(files + ": " + error.what());
  }
  watched_.taken();
  summary_ = describe_certificate(*context_.load());
}

void ServerTls::reload(spdlog::logger& log) {
  const auto contents = watched_.poll();
  if (!contents) return;
  const auto& paths = watched_.paths();
  try {
    if (!contents->error.empty()) throw std::runtime_error(contents->error);
    auto context = make_server_context(contents->texts[0], contents->texts[1]);
    auto summary = describe_certificate(*context);
    context_.store(std::move(context));
    watched_.taken();
    log.info("Loaded the changed TLS pair {} {}: {}; new connections use it", paths[0], paths[1],
             summary);
    summary_ = std::move(summary);
  } catch (const std::exception& error) {
    watched_.refused();
    log.error("The TLS pair {} {} changed but cannot be used ({}): kept the pair in use, {}",
              paths[0], paths[1], error.what(), summary_);
  }
}

}  // namespace capprobe::collector
