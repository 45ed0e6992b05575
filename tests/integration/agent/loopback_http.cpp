// The loopback server core (Boost.Beast on its own io_context thread), the fake collector on it,
// and a small GET client.
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

struct LoopbackServer::Core {
  net::io_context loop{1};
  tcp::acceptor acceptor{loop};
  std::thread thread;
  ServerHandler handler;
  std::optional<net::ssl::context> tls;
  bool ipv6 = false;
  mutable std::mutex mutex;
  std::size_t failed_handshakes = 0;
};

namespace {

using Core = LoopbackServer::Core;

// One connection; Stream is beast::tcp_stream or beast::ssl_stream<beast::tcp_stream>.
template <class Stream>
class Session : public std::enable_shared_from_this<Session<Stream>> {
 public:
  template <class... TlsContext>
  Session(tcp::socket socket, std::shared_ptr<Core> core, TlsContext&... tls)
      : stream_(std::move(socket), tls...), core_(std::move(core)) {}

  void handshake() {
    beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(10));
    stream_.async_handshake(net::ssl::stream_base::server,
                            [self = this->shared_from_this()](beast::error_code error) {
                              if (error) {
                                std::lock_guard lock(self->core_->mutex);
                                ++self->core_->failed_handshakes;
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
    ServerRequest got{std::string(request.method_string()), std::string(request.target()),
                      std::string(request[http::field::authorization]), request.body()};
    const auto answer = core_->handler(got);
    response_.emplace(static_cast<http::status>(answer.status), request.version());
    response_->set(http::field::content_type, "application/json");
    response_->keep_alive(request.keep_alive());
    response_->body() = answer.body;
    response_->prepare_payload();
    // A slow answer must not hit the read timeout set for the request.
    beast::get_lowest_layer(stream_).expires_after(answer.delay + std::chrono::seconds(10));
    timer_.expires_after(answer.delay);
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
  std::shared_ptr<Core> core_;
  net::steady_timer timer_{stream_.get_executor()};
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<http::response<http::string_body>> response_;
};

void accept_next(const std::shared_ptr<Core>& core) {
  core->acceptor.async_accept([core](beast::error_code error, tcp::socket socket) {
    if (error == net::error::operation_aborted) return;
    if (!error && core->tls)
      std::make_shared<Session<beast::ssl_stream<beast::tcp_stream>>>(std::move(socket), core,
                                                                      *core->tls)
          ->handshake();
    else if (!error)
      std::make_shared<Session<beast::tcp_stream>>(std::move(socket), core)->read();
    accept_next(core);
  });
}

}  // namespace

LoopbackServer::LoopbackServer(ServerHandler handler, std::uint16_t port,
                               const std::optional<TlsFiles>& tls, const std::string& address)
    : core_(std::make_shared<Core>()) {
  core_->handler = std::move(handler);
  if (tls) {
    auto& context = core_->tls.emplace(net::ssl::context::tls_server);
    context.use_certificate_chain_file(tls->certificate_pem);
    context.use_private_key_file(tls->private_key_pem, net::ssl::context::pem);
  }
  const tcp::endpoint endpoint(net::ip::make_address(address), port);
  core_->ipv6 = endpoint.address().is_v6();
  core_->acceptor.open(endpoint.protocol());
  core_->acceptor.set_option(net::socket_base::reuse_address(true));
  core_->acceptor.bind(endpoint);
  core_->acceptor.listen();
  accept_next(core_);
  core_->thread = std::thread([core = core_] { core->loop.run(); });
}

LoopbackServer::~LoopbackServer() {
  core_->loop.stop();
  core_->thread.join();
}

std::uint16_t LoopbackServer::port() const {
  return core_->acceptor.local_endpoint().port();
}

std::string LoopbackServer::url() const {
  const auto address = core_->acceptor.local_endpoint().address().to_string();
  return (core_->tls ? "https://" : "http://") + (core_->ipv6 ? "[" + address + "]" : address) +
         ":" + std::to_string(port());
}

std::size_t LoopbackServer::failed_handshakes() const {
  std::lock_guard lock(core_->mutex);
  return core_->failed_handshakes;
}

struct FakeCollector::State {
  mutable std::mutex mutex;
  unsigned fixed_status = 0;
  std::chrono::milliseconds delay{0};
  std::vector<ReceivedReport> received;
  std::vector<std::string> stored;
  std::set<std::string> stored_set;

  // Decides the answer to one request and records a POSTed report.
  ServerAnswer answer(const ServerRequest& request) {
    std::lock_guard lock(mutex);
    if (request.method != "POST" || request.target != "/api/v1/reports") return {404, "{}", delay};
    ReceivedReport got;
    got.authorization = request.authorization;
    got.body = request.body;
    try {
      const auto json = nlohmann::json::parse(request.body);
      got.report_id = json.at("report_id").get<std::string>();
      got.agent_mode = json.at("agent").at("mode").get<std::string>();
    } catch (const std::exception&) {
    }
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
    return {got.answered, R"({"report_id":")" + got.report_id + "\"}", delay};
  }
};

FakeCollector::FakeCollector(std::uint16_t port, const std::optional<TlsFiles>& tls)
    : state_(std::make_shared<State>()),
      server_(std::make_unique<LoopbackServer>(
          [state = state_](const ServerRequest& request) { return state->answer(request); }, port,
          tls)) {}

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
