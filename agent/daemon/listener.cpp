// Accept loop and per-connection read/answer loop with Beast.
#include "agent/daemon/listener.hpp"

#include <chrono>

#include "agent/log.hpp"

namespace capprobe::agent::daemon {

struct Listener::State {
  State(net::io_context& loop, HttpHandler handler) : acceptor(loop), handler(std::move(handler)) {}
  tcp::acceptor acceptor;
  HttpHandler handler;
  std::size_t open_connections = 0;
  bool stopped = false;
};

namespace {

constexpr std::size_t kMaxConnections = 16;
constexpr std::uint32_t kMaxHeaderBytes = 8 * 1024;
constexpr auto kReadTimeout = std::chrono::seconds(30);

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(tcp::socket socket, std::shared_ptr<Listener::State> state)
      : stream_(std::move(socket)), state_(std::move(state)) {
    ++state_->open_connections;
  }
  ~Connection() { --state_->open_connections; }

  void read_next() {
    parser_.emplace();
    parser_->header_limit(kMaxHeaderBytes);
    parser_->body_limit(0);
    stream_.expires_after(kReadTimeout);
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code error, std::size_t) {
                       self->on_read(error);
                     });
  }

 private:
  void on_read(beast::error_code error) {
    if (error) {
      if (error != http::error::end_of_stream) answer_error(error);
      close();
      return;
    }
    const auto& request = parser_->get();
    const auto method = request.method_string();
    const auto target = request.target();
    auto answer = state_->handler(std::string_view(method.data(), method.size()),
                                  std::string_view(target.data(), target.size()));
    response_.emplace(static_cast<http::status>(answer.status), request.version());
    response_->set(http::field::server, "capprobe-agent");
    response_->set(http::field::content_type, answer.content_type);
    response_->keep_alive(request.keep_alive() && !state_->stopped);
    response_->body() = std::move(answer.body);
    response_->prepare_payload();
    if (request.method() == http::verb::head) response_->body().clear();
    write_response();
  }

  // A request we cannot parse still gets a status line, when the socket allows one.
  void answer_error(beast::error_code error) {
    if (error == beast::error::timeout || error == net::error::operation_aborted) return;
    const bool too_big = error == http::error::header_limit || error == http::error::body_limit;
    response_.emplace(
        too_big ? http::status::request_header_fields_too_large : http::status::bad_request, 11);
    response_->set(http::field::content_type, "text/plain; charset=utf-8");
    response_->keep_alive(false);
    response_->body() = too_big ? "request too large\n" : "bad request\n";
    response_->prepare_payload();
    beast::error_code ignored;
    stream_.expires_after(std::chrono::seconds(5));
    http::write(stream_.socket(), *response_, ignored);  // short and final: no need to be async
  }

  void write_response() {
    stream_.expires_after(kReadTimeout);
    http::async_write(stream_, *response_,
                      [self = shared_from_this()](beast::error_code error, std::size_t) {
                        if (error || !self->response_->keep_alive()) return self->close();
                        self->read_next();
                      });
  }

  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.close();
  }

  beast::tcp_stream stream_;
  std::shared_ptr<Listener::State> state_;
  beast::flat_buffer buffer_{kMaxHeaderBytes};
  std::optional<http::request_parser<http::empty_body>> parser_;
  std::optional<http::response<http::string_body>> response_;
};

void accept_next(const std::shared_ptr<Listener::State>& state) {
  state->acceptor.async_accept([state](beast::error_code error, tcp::socket socket) {
    if (state->stopped || error == net::error::operation_aborted) return;
    if (!error) {
      if (state->open_connections >= kMaxConnections) {
        beast::error_code ignored;
        socket.close(ignored);  // a scraper will come back; a flood must not grow us
      } else {
        std::make_shared<Connection>(std::move(socket), state)->read_next();
      }
    } else {
      logger("listener")->warn("accept failed error={}", error.message());
    }
    accept_next(state);
  });
}

}  // namespace

std::variant<std::shared_ptr<Listener>, std::string> Listener::start(net::io_context& loop,
                                                                     const ListenAddress& address,
                                                                     HttpHandler handler) {
  const std::string where =
      (address.host.find(':') != std::string::npos ? "[" + address.host + "]" : address.host) +
      ":" + std::to_string(address.port);
  beast::error_code error;
  const auto ip = net::ip::make_address(address.host, error);
  if (error) return where + ": " + error.message();
  auto state = std::make_shared<State>(loop, std::move(handler));
  const tcp::endpoint endpoint(ip, address.port);
  auto& acceptor = state->acceptor;
  if (acceptor.open(endpoint.protocol(), error); error) return where + ": " + error.message();
  acceptor.set_option(net::socket_base::reuse_address(true), error);
  if (acceptor.bind(endpoint, error); error) return where + ": " + error.message();
  if (acceptor.listen(net::socket_base::max_listen_connections, error); error)
    return where + ": " + error.message();
  const auto port = acceptor.local_endpoint(error).port();
  accept_next(state);
  return std::shared_ptr<Listener>(new Listener(std::move(state), port));
}

void Listener::stop() {
  state_->stopped = true;
  beast::error_code ignored;
  state_->acceptor.close(ignored);
}

}  // namespace capprobe::agent::daemon
