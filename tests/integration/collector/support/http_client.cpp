// The test HTTP client: async Beast operations on a private io_context, run with a deadline.
#include <utility>  // before Asio: Boost 1.74 needs std::exchange, GCC 12 does not pull it in

#include "http_client.hpp"

#include <algorithm>

#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

namespace capprobe::collector::testing {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = net::ip::tcp;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

namespace {

int version_number(const std::string& name) {
  if (name == "TLSv1.1") return TLS1_1_VERSION;
  if (name == "TLSv1.2") return TLS1_2_VERSION;
  if (name == "TLSv1.3") return TLS1_3_VERSION;
  return 0;
}

void configure(net::ssl::context& context, const ClientTls& tls) {
  SSL_CTX* native = context.native_handle();
  if (tls.security_level >= 0) SSL_CTX_set_security_level(native, tls.security_level);
  if (const int v = version_number(tls.min_version)) SSL_CTX_set_min_proto_version(native, v);
  if (const int v = version_number(tls.max_version)) SSL_CTX_set_max_proto_version(native, v);
  if (!tls.tls12_ciphers.empty()) SSL_CTX_set_cipher_list(native, tls.tls12_ciphers.c_str());
  if (!tls.ca_file.empty()) {
    context.load_verify_file(tls.ca_file);
    context.set_verify_mode(net::ssl::verify_peer);
  }
}

}  // namespace

struct HttpConnection::State {
  net::io_context io;
  std::optional<net::ssl::context> tls_context;
  std::optional<beast::tcp_stream> plain;
  std::optional<TlsStream> secure;
  beast::flat_buffer buffer;
  std::chrono::milliseconds timeout;
  bool open = false;
  std::string error;

  beast::tcp_stream& lowest() { return secure ? beast::get_lowest_layer(*secure) : *plain; }

  // Runs f(stream) on whichever stream this connection has.
  template <class F>
  void with_stream(F&& f) {
    if (secure)
      f(*secure);
    else
      f(*plain);
  }
};

HttpConnection::HttpConnection(std::uint16_t port, std::chrono::milliseconds timeout,
                               const std::optional<ClientTls>& tls)
    : state_(std::make_unique<State>()) {
  auto& s = *state_;
  s.timeout = timeout;
  if (tls) {
    configure(s.tls_context.emplace(net::ssl::context::tls_client), *tls);
    s.secure.emplace(s.io, *s.tls_context);
    // The certificate must name the address connected to.
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(s.secure->native_handle()), "127.0.0.1");
  } else {
    s.plain.emplace(s.io);
  }
  boost::system::error_code result;
  s.lowest().expires_after(timeout);
  s.lowest().async_connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port),
                           [&](boost::system::error_code ec) {
                             if (ec || !s.secure) {
                               result = ec;
                               return;
                             }
                             s.secure->async_handshake(net::ssl::stream_base::client,
                                                       [&](boost::system::error_code handshake_ec) {
                                                         result = handshake_ec;
                                                         if (handshake_ec)
                                                           s.error = "TLS handshake: ";
                                                       });
                           });
  s.io.run();
  s.open = !result;
  if (result) s.error = (s.error.empty() ? "connect: " : s.error) + result.message();
}

HttpConnection::~HttpConnection() = default;

bool HttpConnection::connected() const {
  return state_->open;
}

std::string HttpConnection::error() const {
  return state_->error;
}

std::string HttpConnection::tls_version() const {
  return state_->secure ? SSL_get_version(state_->secure->native_handle()) : "";
}

std::string HttpConnection::tls_cipher() const {
  return state_->secure ? SSL_get_cipher_name(state_->secure->native_handle()) : "";
}

std::string HttpConnection::peer_common_name() const {
  if (!state_->secure) return "";
  X509* certificate = SSL_get1_peer_certificate(state_->secure->native_handle());
  if (!certificate) return "";
  char name[256] = "";
  X509_NAME_get_text_by_NID(X509_get_subject_name(certificate), NID_commonName, name, sizeof name);
  X509_free(certificate);
  return name;
}

HttpReply HttpConnection::request(const std::string& method, const std::string& target,
                                  const std::string& body, const Headers& headers) {
  auto& s = *state_;
  HttpReply reply;
  if (!s.open) {
    reply.error = s.error.empty() ? "connection closed" : s.error;
    return reply;
  }
  http::request<http::string_body> request{http::string_to_verb(method), target, 11};
  request.set(http::field::host, "127.0.0.1");
  for (const auto& [name, value] : headers) request.set(name, value);
  if (!body.empty() || method == "POST") {
    request.body() = body;
    if (request[http::field::content_type].empty())
      request.set(http::field::content_type, "application/json");
  }
  request.prepare_payload();

  http::response_parser<http::string_body> parser;
  parser.body_limit(256 * 1024 * 1024);
  if (request.method() == http::verb::head) parser.skip(true);  // a length, but no body
  boost::system::error_code result;
  s.io.restart();
  s.lowest().expires_after(s.timeout);
  s.with_stream([&](auto& stream) {
    http::async_write(stream, request, [&](boost::system::error_code ec, std::size_t) {
      if (ec) {
        result = ec;
        return;
      }
      http::async_read(stream, s.buffer, parser,
                       [&](boost::system::error_code read_ec, std::size_t) { result = read_ec; });
    });
  });
  s.io.run();
  if (result) {
    s.open = false;
    reply.error = result.message();
    return reply;
  }
  auto response = parser.release();
  reply.status = static_cast<int>(response.result_int());
  reply.body = std::move(response.body());
  reply.content_type = std::string(response[http::field::content_type]);
  reply.retry_after = std::string(response[http::field::retry_after]);
  for (const auto& field : response) {
    if (field.name() != http::field::www_authenticate) continue;
    if (!reply.www_authenticate.empty()) reply.www_authenticate += "\n";
    reply.www_authenticate += std::string(field.value());
  }
  reply.keep_alive = response.keep_alive();
  if (!reply.keep_alive) s.open = false;
  return reply;
}

HttpReply http_request(std::uint16_t port, const std::string& method, const std::string& target,
                       const std::string& body, const Headers& headers,
                       std::chrono::milliseconds timeout, const std::optional<ClientTls>& tls) {
  HttpConnection connection(port, timeout, tls);
  return connection.request(method, target, body, headers);
}

std::string basic_auth(const std::string& user, const std::string& password) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const std::string plain = user + ":" + password;
  std::string encoded;
  for (std::size_t i = 0; i < plain.size(); i += 3) {
    const std::size_t n = std::min<std::size_t>(3, plain.size() - i);
    unsigned bits = 0;
    for (std::size_t j = 0; j < 3; ++j)
      bits = (bits << 8) | (j < n ? static_cast<unsigned char>(plain[i + j]) : 0u);
    for (std::size_t j = 0; j < 4; ++j)
      encoded += j <= n ? kAlphabet[(bits >> (18 - 6 * j)) & 63] : '=';
  }
  return "Basic " + encoded;
}

}  // namespace capprobe::collector::testing
