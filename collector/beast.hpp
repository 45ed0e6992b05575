// The one include of Boost.Beast/Asio for the collector, with the aliases its files share.
#pragma once

// Boost 1.74's Asio uses std::exchange without including <utility>; GCC 12 in C++20 mode does
// not bring it in transitively.
#include <utility>

#include <string_view>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace capprobe::collector {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;

using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

// Beast 1.74 speaks boost::string_view; the collector's own code speaks std::string_view.
inline std::string_view to_std(beast::string_view text) {
  return {text.data(), text.size()};
}

}  // namespace capprobe::collector
