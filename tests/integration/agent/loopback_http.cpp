// The fake collector (Boost.Beast on its own io_context thread) and a small GET client.
#include <utility>  // before Asio: Boost 1.74 needs std::exchange, GCC 12 does not pull it in

#include "loopback_http.hpp"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <thread>

namespace capprobe::it {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = net::ip::tcp;

struct FakeCollector::State {
  net::io_context loop{1};
  tcp::acceptor acceptor{loop};
  std::thread thread;
  mutable std::mutex mutex;
  unsigned fixed_status = 0;
  std::chrono::milliseconds delay{0};
  std::vector<ReceivedReport> received;
  std::vector<std::string> stored;
  std::set<std::string> stored_set;
  std::optional<net::ssl::context> tls;
  std::size_t failed_handshakes = 0;

  // Decides the answer to one POSTed report and records it.
  std::pair<unsigned, std::string> take(const http::request<http::string_body>& request) {
    ReceivedReport got;
    got.authorization = std::string(request[http::field::authorization]);
    got.body = request.body();
    try {
      const auto json = nlohmann::json::parse(request.body());
      got.report_id = json.at("report_id").get<std::string>();
      got.agent_mode = json.at("agent").at("mode").get<std::string>();
    } catch (const std::exception&) {
    }
    std::lock_guard lock(mutex);
    if (fixed_status != 0) {
      got.answered = fixed_status;
    } else if (got.report_id.empty()) {
      got.answered = 400;
    } else if (stored_set.insert(got.report_id).second) {
      stored.push_back(got.report_id);
      got.answered = 202;
    } else {
      got.answered = 200;
    }
    received.push_back(got);
    return {got.answered, R"({"report_id":")" + got.report_id + "\"}"};
  }
};

namespace {

// One connection; Stream is beast::tcp_stream or beast::ssl_stream<beast::tcp_stream>.
template <class Stream>
class Session : public std::enable_shared_from_this<Session<Stream>> {
 public:
  template <class... TlsContext>
  Session(tcp::socket socket, std::shared_ptr<FakeCollector::State> state, TlsContext&... tls)
      : stream_(std::move(socket), tls...), state_(std::move(state)) {}

  void handshake() {
    beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(10));
    stream_.async_handshake(net::ssl::stream_base::server,
                            [self = this->shared_from_this()](beast::error_code error) {
                              if (error) {
                                std::lock_guard lock(self->state_->mutex);
                                ++self->state_->failed_handshakes;
                                return;
                              }
                              self->read();
                            });
  }

  void read() {
    parser_.emplace();
    parser_->body_limit(8 << 20);
    beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(10));
    http::async_read(stream_, buffer_, *parser_,
                     [self = this->shared_from_this()](beast::error_code error, std::size_t) {
                       if (error) return;
                       self->answer();
                     });
  }

 private:
  void answer() {
    const auto& request = parser_->get();
    unsigned status = 404;
    std::string body = "{}";
    if (request.method() == http::verb::post && request.target() == "/api/v1/reports")
      std::tie(status, body) = state_->take(request);
    response_.emplace(static_cast<http::status>(status), request.version());
    response_->set(http::field::content_type, "application/json");
    response_->keep_alive(request.keep_alive());
    response_->body() = body;
    response_->prepare_payload();
    std::chrono::milliseconds delay;
    {
      std::lock_guard lock(state_->mutex);
      delay = state_->delay;
    }
    timer_.expires_after(delay);
    timer_.async_wait([self = this->shared_from_this()](beast::error_code) { self->write(); });
  }

  void write() {
    http::async_write(stream_, *response_,
                      [self = this->shared_from_this()](beast::error_code error, std::size_t) {
                        if (error || !self->response_->keep_alive()) return;
                        self->read();
                      });
  }

  Stream stream_;
  std::shared_ptr<FakeCollector::State> state_;
  net::steady_timer timer_{stream_.get_executor()};
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<http::response<http::string_body>> response_;
};

void accept_next(const std::shared_ptr<FakeCollector::State>& state) {
  state->acceptor.async_accept([state](beast::error_code error, tcp::socket socket) {
    if (error == net::error::operation_aborted) return;
    if (!error && state->tls)
      std::make_shared<Session<beast::ssl_stream<beast::tcp_stream>>>(std::move(socket), state,
                                                                      *state->tls)
          ->handshake();
    else if (!error)
      std::make_shared<Session<beast::tcp_stream>>(std::move(socket), state)->read();
    accept_next(state);
  });
}

}  // namespace

FakeCollector::FakeCollector(std::uint16_t port, const std::optional<TlsFiles>& tls)
    : state_(std::make_shared<State>()) {
  if (tls) {
    auto& context = state_->tls.emplace(net::ssl::context::tls_server);
    context.use_certificate_chain_file(tls->certificate_pem);
    context.use_private_key_file(tls->private_key_pem, net::ssl::context::pem);
  }
  const tcp::endpoint endpoint(net::ip::make_address("127.0.0.1"), port);
  state_->acceptor.open(endpoint.protocol());
  state_->acceptor.set_option(net::socket_base::reuse_address(true));
  state_->acceptor.bind(endpoint);
  state_->acceptor.listen();
  accept_next(state_);
  state_->thread = std::thread([state = state_] { state->loop.run(); });
}

FakeCollector::~FakeCollector() {
  state_->loop.stop();
  state_->thread.join();
}

std::uint16_t FakeCollector::port() const {
  return state_->acceptor.local_endpoint().port();
}

std::string FakeCollector::url() const {
  return (state_->tls ? "https://127.0.0.1:" : "http://127.0.0.1:") + std::to_string(port());
}

std::size_t FakeCollector::failed_handshakes() const {
  std::lock_guard lock(state_->mutex);
  return state_->failed_handshakes;
}

void FakeCollector::answer_with(unsigned status) {
  std::lock_guard lock(state_->mutex);
  state_->fixed_status = status;
}

void FakeCollector::delay_answers(std::chrono::milliseconds delay) {
  std::lock_guard lock(state_->mutex);
  state_->delay = delay;
}

std::vector<ReceivedReport> FakeCollector::received() const {
  std::lock_guard lock(state_->mutex);
  return state_->received;
}

std::vector<std::string> FakeCollector::stored_ids() const {
  std::lock_guard lock(state_->mutex);
  return state_->stored;
}

HttpGot http_get(std::uint16_t port, const std::string& target) {
  // Asynchronous under run_for, so that a listener that never answers fails the test instead
  // of hanging it.
  HttpGot got;
  net::io_context loop;
  beast::tcp_stream stream(loop);
  http::request<http::empty_body> request(http::verb::get, target, 11);
  request.set(http::field::host, "127.0.0.1");
  request.keep_alive(false);
  beast::flat_buffer buffer;
  http::response<http::string_body> response;
  stream.expires_after(std::chrono::seconds(5));
  stream.async_connect(
      tcp::endpoint(net::ip::make_address("127.0.0.1"), port), [&](beast::error_code error) {
        if (error) return;
        http::async_write(stream, request, [&](beast::error_code error, std::size_t) {
          if (error) return;
          http::async_read(stream, buffer, response, [&](beast::error_code error, std::size_t) {
            if (error) return;
            got.status = response.result_int();
            got.content_type = std::string(response[http::field::content_type]);
            got.body = response.body();
          });
        });
      });
  loop.run_for(std::chrono::seconds(6));
  return got;
}

std::uint16_t free_loopback_port() {
  net::io_context loop;
  tcp::acceptor acceptor(loop, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
  return acceptor.local_endpoint().port();
}

}  // namespace capprobe::it
