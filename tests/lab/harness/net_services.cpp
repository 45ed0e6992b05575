// The lab's loopback DNS server and port forwarder; see net_services.hpp.
#include "tests/lab/harness/net_services.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <exception>
#include <stdexcept>
#include <vector>

namespace capprobe::lab {
namespace {

// Runs `work` on a thread that has joined `netns` (a thread's namespace is its own: the
// caller's stays as it was). Sockets made there stay in that namespace wherever they are used.
template <class Work>
auto in_netns(int netns, Work work) {
  decltype(work()) result{};
  std::exception_ptr failure;
  std::thread([&] {
    try {
      if (setns(netns, CLONE_NEWNET) != 0)
        throw std::runtime_error(std::string("setns: ") + std::strerror(errno));
      result = work();
    } catch (...) {
      failure = std::current_exception();
    }
  }).join();
  if (failure) std::rethrow_exception(failure);
  return result;
}

sockaddr_in ipv4(const std::string& address, int port) {
  sockaddr_in out{};
  out.sin_family = AF_INET;
  out.sin_port = htons(static_cast<std::uint16_t>(port));
  if (inet_pton(AF_INET, address.c_str(), &out.sin_addr) != 1)
    throw std::runtime_error("not an IPv4 address: " + address);
  return out;
}

int bound_socket(int type, const std::string& address, int port) {
  const int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
  const int yes = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  const auto where = ipv4(address, port);
  if (bind(fd, reinterpret_cast<const sockaddr*>(&where), sizeof where) != 0) {
    const int error = errno;
    close(fd);
    throw std::runtime_error("bind " + address + ":" + std::to_string(port) + ": " +
                             std::strerror(error));
  }
  return fd;
}

// The question's name ("a.b.c") and the offset after the question; empty when malformed.
std::string question_name(const std::string& query, std::size_t& end) {
  std::string name;
  std::size_t at = 12;
  while (at < query.size()) {
    const auto length = static_cast<unsigned char>(query[at]);
    if (length == 0) {
      end = at + 5;  // the zero byte, QTYPE, QCLASS
      return end <= query.size() ? name : std::string();
    }
    if (length > 63 || at + 1 + length > query.size()) return "";
    name += (name.empty() ? "" : ".") + query.substr(at + 1, length);
    at += 1 + length;
  }
  return "";
}

std::string answer(const std::string& query, const std::map<std::string, std::string>& records) {
  std::size_t end = 0;
  const auto name = question_name(query, end);
  if (name.empty()) return "";
  std::string reply = query.substr(0, end);
  reply[2] = static_cast<char>(0x81);  // a response, recursion desired
  const auto found = records.find(name);
  reply[3] = static_cast<char>(found == records.end() ? 0x83 : 0x80);  // NXDOMAIN or NOERROR
  reply[6] = 0;
  reply[7] = found == records.end() ? 0 : 1;
  reply[8] = reply[9] = reply[10] = reply[11] = 0;
  if (found != records.end()) {
    reply += std::string("\xC0\x0C\x00\x01\x00\x01\x00\x00\x00\x05\x00\x04", 12);
    in_addr address{};
    inet_pton(AF_INET, found->second.c_str(), &address);
    reply.append(reinterpret_cast<const char*>(&address), 4);
  }
  return reply;
}

bool readable(int fd, int timeout_ms) {
  pollfd waiting{fd, POLLIN, 0};
  return poll(&waiting, 1, timeout_ms) > 0;
}

}  // namespace

LabNetns::LabNetns() {
  std::exception_ptr failure;
  std::thread([&] {
    try {
      if (unshare(CLONE_NEWNET) != 0)
        throw std::runtime_error(std::string("unshare CLONE_NEWNET: ") + std::strerror(errno));
      const int control = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
      ifreq request{};
      std::strcpy(request.ifr_name, "lo");
      const bool up = control >= 0 && ioctl(control, SIOCGIFFLAGS, &request) == 0 &&
                      (request.ifr_flags |= IFF_UP, ioctl(control, SIOCSIFFLAGS, &request) == 0);
      const int error = errno;
      if (control >= 0) close(control);
      if (!up) throw std::runtime_error(std::string("lo up: ") + std::strerror(error));
      fd_ = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
      if (fd_ < 0) throw std::runtime_error(std::string("open ns/net: ") + std::strerror(errno));
    } catch (...) {
      failure = std::current_exception();
    }
  }).join();
  if (failure) std::rethrow_exception(failure);
}

LabNetns::~LabNetns() {
  if (fd_ >= 0) close(fd_);
}

std::string LabNetns::path() const {
  return "/proc/" + std::to_string(getpid()) + "/fd/" + std::to_string(fd_);
}

DnsServer::DnsServer(const LabNetns& netns, const std::string& address,
                     std::map<std::string, std::string> records)
    : fd_(in_netns(netns.fd(), [&] { return bound_socket(SOCK_DGRAM, address, 53); })) {
  thread_ = std::thread([fd = fd_, stop = stop_, queries = queries_, records = std::move(records)] {
    std::string buffer(512, '\0');
    while (!*stop) {
      if (!readable(fd, 100)) continue;
      sockaddr_in peer{};
      socklen_t length = sizeof peer;
      const auto n = recvfrom(fd, buffer.data(), buffer.size(), 0,
                              reinterpret_cast<sockaddr*>(&peer), &length);
      if (n <= 12) continue;
      ++*queries;
      const auto reply = answer(buffer.substr(0, static_cast<std::size_t>(n)), records);
      if (!reply.empty())
        sendto(fd, reply.data(), reply.size(), 0, reinterpret_cast<sockaddr*>(&peer), length);
    }
  });
}

DnsServer::~DnsServer() {
  *stop_ = true;
  thread_.join();
  close(fd_);
}

PortForward::PortForward(const LabNetns& netns, const std::string& listen_address, int listen_port,
                         const std::string& to_address, int to_port)
    : fd_(in_netns(netns.fd(),
                   [&] { return bound_socket(SOCK_STREAM, listen_address, listen_port); })) {
  if (listen(fd_, 8) != 0) throw std::runtime_error(std::string("listen: ") + std::strerror(errno));
  const auto target = ipv4(to_address, to_port);
  // The thread joins the namespace, so that the connections it makes to `to` are made there.
  thread_ =
      std::thread([fd = fd_, stop = stop_, forwarded = forwarded_, target, netns = netns.fd()] {
        if (setns(netns, CLONE_NEWNET) != 0) return;
        std::vector<std::pair<int, int>> pairs;
        while (!*stop) {
          if (readable(fd, 50)) {
            const int in = accept4(fd, nullptr, nullptr, SOCK_CLOEXEC);
            if (in >= 0) {
              const int out = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
              if (out >= 0 &&
                  connect(out, reinterpret_cast<const sockaddr*>(&target), sizeof target) == 0) {
                ++*forwarded;
                pairs.emplace_back(in, out);
              } else {
                if (out >= 0) close(out);
                close(in);
              }
            }
          }
          // Nothing is relayed (capprobe sends nothing); a pair ends when either side closes.
          for (auto it = pairs.begin(); it != pairs.end();) {
            char byte;
            const bool closed = (readable(it->first, 0) && recv(it->first, &byte, 1, 0) <= 0) ||
                                (readable(it->second, 0) && recv(it->second, &byte, 1, 0) <= 0);
            if (closed) {
              close(it->first);
              close(it->second);
              it = pairs.erase(it);
            } else {
              ++it;
            }
          }
        }
        for (const auto& [in, out] : pairs) {
          close(in);
          close(out);
        }
      });
}

PortForward::~PortForward() {
  *stop_ = true;
  thread_.join();
  close(fd_);
}

}  // namespace capprobe::lab
