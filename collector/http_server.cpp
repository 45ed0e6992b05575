// Connection handling of the collector's HTTP server. Each connection lives on its own strand;
// the TLS handshake, and then reading a request (header, then body), run under one deadline
// each, so a client that dribbles bytes is cut off when it passes, whatever its pace.
#include "collector/http_server.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <limits>
#include <type_traits>

#include <boost/beast/ssl.hpp>

#include "collector/validate.hpp"

namespace capprobe::collector {
namespace {

using error_code = boost::system::error_code;

constexpr auto kRefuseTimeout = std::chrono::seconds(2);
constexpr auto kLingerTimeout = std::chrono::seconds(2);
constexpr std::size_t kLingerBytes = 4 * 1024 * 1024;
constexpr std::size_t kMaxReadBytes = 64 * 1024;  // Beast reads at most this much at a time

using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

struct Shared {
  Shared(Api& api_, Metrics& metrics_, ServerLimits limits_, std::shared_ptr<spdlog::logger> log_,
         std::shared_ptr<const ServerTls> tls_)
      : api(api_), metrics(metrics_), limits(limits_), log(std::move(log_)), tls(std::move(tls_)) {}
  Api& api;
  Metrics& metrics;
  ServerLimits limits;
  std::shared_ptr<spdlog::logger> log;
  std::shared_ptr<const ServerTls> tls;  // null: plain HTTP
  std::atomic<int> refusing{0};          // connections being told 503 right now
  std::atomic<int> lingering{0};         // connections draining after an early answer
};

// Closing a socket that still has unread request bytes makes the kernel send a reset, which can
// destroy the answer before the client reads it. So after an answer that ends the connection
// early (401, 413 before the body was read), stop sending, read and drop what the client still
// sends for a short while, then close: the "lingering close" of common web servers. Over TLS the
// bytes dropped are TLS records, read from the TCP stream beneath without decrypting them.
class Lingerer : public std::enable_shared_from_this<Lingerer> {
 public:
  Lingerer(beast::tcp_stream stream, std::shared_ptr<Shared> shared)
      : stream_(std::move(stream)), shared_(std::move(shared)) {
    ++shared_->lingering;
  }
  ~Lingerer() { --shared_->lingering; }

  void run() {
    error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.expires_after(kLingerTimeout);
    drain();
  }

 private:
  void drain() {
    stream_.async_read_some(net::buffer(scratch_),
                            [self = shared_from_this()](error_code ec, std::size_t bytes) {
                              self->drained_ += bytes;
                              if (ec || self->drained_ > kLingerBytes) {
                                error_code ignored;
                                self->stream_.socket().close(ignored);
                                return;
                              }
                              self->drain();
                            });
  }

  beast::tcp_stream stream_;
  std::shared_ptr<Shared> shared_;
  std::array<char, 16 * 1024> scratch_{};
  std::size_t drained_ = 0;
};

// One connection. Stream is PlainStream or TlsStream; TLS adds the handshake before the first
// request and close_notify before the close.
template <class Stream>
class Session : public std::enable_shared_from_this<Session<Stream>> {
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

 public:
  // `tls`: the context of this connection's handshake (null for plain HTTP); held as long as the
  // connection lives, whatever pair new connections get meanwhile.
  Session(tcp::socket socket, std::shared_ptr<Shared> shared,
          std::shared_ptr<net::ssl::context> tls = nullptr)
      : tls_(std::move(tls)),
        stream_(make_stream(std::move(socket), tls_.get())),
        owner_(std::move(shared)),
        shared_(*owner_) {
    shared_.metrics.connection_opened();
  }
  ~Session() { shared_.metrics.connection_closed(); }

  void run() {
    net::dispatch(stream_.get_executor(), [self = this->shared_from_this()] {
      if constexpr (kTls)
        self->handshake();
      else
        self->read_header();
    });
  }

 private:
  static Stream make_stream(tcp::socket socket, net::ssl::context* tls) {
    if constexpr (kTls)
      return Stream(std::move(socket), *tls);
    else
      return Stream(std::move(socket));
  }

  beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream_); }

  void handshake() {
    lowest().expires_after(shared_.limits.read_timeout);
    stream_.async_handshake(
        net::ssl::stream_base::server, [self = this->shared_from_this()](error_code ec) {
          if (ec) {
            // A client that does not trust us, or speaks an old protocol.
            self->shared_.metrics.tls_handshake_failed();
            self->shared_.log->debug("A TLS handshake failed: {}", ec.message());
            return;
          }
          self->read_header();
        });
  }

  void read_header() {
    parser_.emplace();
    parser_->header_limit(shared_.limits.max_header_bytes);
    // No body limit while reading the header: Beast would fail a declared length over it
    // before the header is even seen, and the client would get a reset instead of a 401 or
    // 413. The limit is set once the header has been looked at. (Not boost::none: Boost 1.74
    // compares the length with the optional, and every length is "greater" than none.)
    parser_->body_limit(std::numeric_limits<std::uint64_t>::max());
    lowest().expires_after(shared_.limits.read_timeout);
    http::async_read_header(
        stream_, buffer_, *parser_,
        beast::bind_front_handler(&Session::on_header, this->shared_from_this()));
  }

  void on_header(error_code ec, std::size_t) {
    if (ec == http::error::header_limit) {
      return write(Api::error_response(http::status::request_header_fields_too_large,
                                       "the request header is too large"),
                   true, true);
    }
    if (ec) return;  // the client left, timed out (Beast closed the socket) or sent garbage
    const auto& header = parser_->get();
    version_ = header.version();
    keep_alive_ = header.keep_alive();
    head_ = header.method() == http::verb::head;
    // A refusal before a body is read ends the connection; one of a bodiless request (a browser's
    // first GET, before it asks for the password) keeps it open for the next request.
    if (auto answer = shared_.api.early_answer(header.base(), parser_->content_length()))
      return write(std::move(*answer), !parser_->is_done(), !parser_->is_done());
    if (parser_->content_length().value_or(0) > shared_.limits.max_body_bytes)
      return write(shared_.api.too_large(header.base()), true, true);
    parser_->body_limit(shared_.limits.max_body_bytes);  // for chunked bodies, while reading
    // Room past the end for the JSON parser's padding, so that a report is validated in place
    // rather than copied. Beast's own reserve (the declared length) runs later and keeps this.
    if (const auto length = parser_->content_length()) {
      parser_->get().body().reserve(static_cast<std::size_t>(*length) + kParsePadding);
      // Beast reads as much as the buffer has room for, but at least 512 bytes: grown to the
      // body's size, a 20 KiB report takes one or two system calls instead of forty.
      buffer_.reserve(std::min(static_cast<std::size_t>(*length), kMaxReadBytes));
    }
    if (beast::iequals(header[http::field::expect], "100-continue")) {
      // The client waits for this before it sends the body (curl does above 1 KiB).
      continue_ =
          std::make_shared<http::response<http::empty_body>>(http::status::continue_, version_);
      return http::async_write(stream_, *continue_,
                               [self = this->shared_from_this()](error_code write_ec, std::size_t) {
                                 if (!write_ec) self->read_body();
                               });
    }
    read_body();
  }

  void read_body() {
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&Session::on_body, this->shared_from_this()));
  }

  void on_body(error_code ec, std::size_t) {
    if (ec == http::error::body_limit)
      return write(shared_.api.too_large(parser_->get().base()), true, true);
    if (ec) return;
    // While the answer is pending (a report waits for its commit) no deadline runs; the write
    // sets its own.
    lowest().expires_never();
    auto respond = [self = this->shared_from_this()](Response response) {
      net::post(self->stream_.get_executor(), [self, response = std::move(response)]() mutable {
        self->write(std::move(response), false, false);
      });
    };
    try {
      shared_.api.handle(parser_->release(), std::move(respond));
    } catch (const std::exception& error) {
      shared_.log->error("A request failed unexpectedly: {}", error.what());
      write(Api::error_response(http::status::internal_server_error, error.what()), true, false);
    }
  }

  void write(Response response, bool close, bool unread_body) {
    response.version(version_);
    response.keep_alive(keep_alive_ && !close);
    response.set(http::field::server, "capprobe-collector");
    response.set("X-Content-Type-Options", "nosniff");
    response.prepare_payload();
    if (head_) {
      const auto length = response.body().size();
      response.body().clear();
      response.content_length(length);
    }
    response_ = std::make_shared<Response>(std::move(response));
    lowest().expires_after(shared_.limits.write_timeout);
    http::async_write(stream_, *response_,
                      [self = this->shared_from_this(), unread_body](error_code ec, std::size_t) {
                        self->on_write(ec, unread_body);
                      });
  }

  void on_write(error_code ec, bool unread_body) {
    if (ec) return;
    if (!response_->keep_alive()) {
      // Lingering is a courtesy with its own bound: past it, close at once.
      if (unread_body && shared_.lingering.load() < shared_.limits.max_connections)
        return std::make_shared<Lingerer>(std::move(lowest()), owner_)->run();
      if constexpr (kTls) {
        // close_notify, then the client's, for a short while at most.
        lowest().expires_after(kLingerTimeout);
        return stream_.async_shutdown([self = this->shared_from_this()](error_code) {
          error_code ignored;
          self->lowest().socket().shutdown(tcp::socket::shutdown_send, ignored);
        });
      }
      error_code ignored;
      lowest().socket().shutdown(tcp::socket::shutdown_send, ignored);
      return;
    }
    response_.reset();
    read_header();
  }

  std::shared_ptr<net::ssl::context> tls_;  // before stream_, which uses it until destroyed
  Stream stream_;
  std::shared_ptr<Shared> owner_;  // keeps the limits and counters alive as long as a session is
  Shared& shared_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::shared_ptr<Response> response_;
  std::shared_ptr<http::response<http::empty_body>> continue_;
  unsigned version_ = 11;
  bool keep_alive_ = true;
  bool head_ = false;
};

// Tells a connection over the limit why it is being turned away, briefly, then closes it.
// Over TLS the connection is just closed: a handshake would cost the CPU that is short.
void refuse(tcp::socket socket, const std::shared_ptr<Shared>& owner) {
  Shared& shared = *owner;
  shared.metrics.connection_refused();
  if (shared.tls || shared.refusing.load() >= shared.limits.max_connections) return;  // just close
  ++shared.refusing;
  auto stream = std::make_shared<beast::tcp_stream>(std::move(socket));
  auto response = std::make_shared<Response>(
      Api::error_response(http::status::service_unavailable, "too many connections; retry later"));
  response->keep_alive(false);
  response->set(http::field::retry_after, "1");
  response->prepare_payload();
  stream->expires_after(kRefuseTimeout);
  http::async_write(*stream, *response, [stream, response, owner](error_code, std::size_t) {
    error_code ignored;
    stream->socket().shutdown(tcp::socket::shutdown_send, ignored);
    --owner->refusing;
  });
}

}  // namespace

class HttpServer::Listener : public std::enable_shared_from_this<HttpServer::Listener> {
 public:
  Listener(net::io_context& io, const tcp::endpoint& endpoint, std::shared_ptr<Shared> shared)
      : io_(io), acceptor_(io), retry_(io), owner_(std::move(shared)), shared_(*owner_) {
    acceptor_.open(endpoint.protocol());
    acceptor_.set_option(net::socket_base::reuse_address(true));
    acceptor_.bind(endpoint);
    acceptor_.listen(net::socket_base::max_listen_connections);
  }

  void accept() {
    acceptor_.async_accept(net::make_strand(io_),
                           beast::bind_front_handler(&Listener::on_accept, shared_from_this()));
  }

  void stop() {
    net::post(acceptor_.get_executor(), [self = shared_from_this()] {
      error_code ignored;
      self->acceptor_.close(ignored);
      self->retry_.cancel();
    });
  }

  tcp::endpoint local_endpoint() const { return acceptor_.local_endpoint(); }

 private:
  void on_accept(error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted || !acceptor_.is_open()) return;
    if (ec) {
      // Out of file descriptors or similar: pause instead of spinning on the error.
      shared_.log->warn("Accepting a connection failed, pausing 100 ms: {}", ec.message());
      retry_.expires_after(std::chrono::milliseconds(100));
      retry_.async_wait([self = shared_from_this()](error_code wait_ec) {
        if (!wait_ec) self->accept();
      });
      return;
    }
    error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    if (shared_.metrics.open_connections() >= shared_.limits.max_connections)
      refuse(std::move(socket), owner_);
    else if (shared_.tls)
      std::make_shared<Session<TlsStream>>(std::move(socket), owner_, shared_.tls->context())
          ->run();
    else
      std::make_shared<Session<PlainStream>>(std::move(socket), owner_)->run();
    accept();
  }

  net::io_context& io_;
  tcp::acceptor acceptor_;
  net::steady_timer retry_;
  std::shared_ptr<Shared> owner_;
  Shared& shared_;
};

HttpServer::HttpServer(net::io_context& io, const tcp::endpoint& endpoint, Api& api,
                       Metrics& metrics, ServerLimits limits, std::shared_ptr<spdlog::logger> log,
                       std::shared_ptr<const ServerTls> tls)
    : listener_(std::make_shared<Listener>(
          io, endpoint,
          std::make_shared<Shared>(api, metrics, limits, std::move(log), std::move(tls)))) {}

HttpServer::~HttpServer() = default;

void HttpServer::start() {
  listener_->accept();
}

void HttpServer::stop() {
  listener_->stop();
}

tcp::endpoint HttpServer::local_endpoint() const {
  return listener_->local_endpoint();
}

}  // namespace capprobe::collector
