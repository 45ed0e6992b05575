// The one include of Boost.Asio/Beast for the agent daemon, with the aliases its files share.
#pragma once

// Boost 1.74's Asio uses std::exchange without including <utility>; GCC 12 in C++20 mode does
// not bring it in transitively.
#include <utility>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace capprobe::agent::daemon {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;

}  // namespace capprobe::agent::daemon
