// The test HTTP client: async Beast operations on a private io_context, run with a deadline.
#include "http_client.hpp"

#include <utility>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace capprobe::collector::testing {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = net::ip::tcp;

struct HttpConnection::State {
  net::io_context io;
  beast::tcp_stream stream{io};
  beast::flat_buffer buffer;
  std::chrono::milliseconds timeout;
  bool open = false;
  std::string connect_error;
};

HttpConnection::HttpConnection(std::uint16_t port, std::chrono::milliseconds timeout)
    : state_(std::make_unique<State>()) {
  state_->timeout = timeout;
  boost::system::error_code result;
  state_->stream.expires_after(timeout);
  state_->stream.async_connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port),
                               [&](boost::system::error_code ec) { result = ec; });
  state_->io.run();
  state_->open = !result;
  if (result) state_->connect_error = "connect: " + result.message();
}

HttpConnection::~HttpConnection() = default;

bool HttpConnection::connected() const {
  return state_->open;
}

HttpReply HttpConnection::request(const std::string& method, const std::string& target,
                                  const std::string& body, const Headers& headers) {
  HttpReply reply;
  if (!state_->open) {
    reply.error = state_->connect_error.empty() ? "connection closed" : state_->connect_error;
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
  state_->io.restart();
  state_->stream.expires_after(state_->timeout);
  http::async_write(state_->stream, request, [&](boost::system::error_code ec, std::size_t) {
    if (ec) {
      result = ec;
      return;
    }
    http::async_read(state_->stream, state_->buffer, parser,
                     [&](boost::system::error_code read_ec, std::size_t) { result = read_ec; });
  });
  state_->io.run();
  if (result) {
    state_->open = false;
    reply.error = result.message();
    return reply;
  }
  auto response = parser.release();
  reply.status = static_cast<int>(response.result_int());
  reply.body = std::move(response.body());
  reply.content_type = std::string(response[http::field::content_type]);
  reply.keep_alive = response.keep_alive();
  if (!reply.keep_alive) state_->open = false;
  return reply;
}

HttpReply http_request(std::uint16_t port, const std::string& method, const std::string& target,
                       const std::string& body, const Headers& headers,
                       std::chrono::milliseconds timeout) {
  HttpConnection connection(port, timeout);
  return connection.request(method, target, body, headers);
}

}  // namespace capprobe::collector::testing
