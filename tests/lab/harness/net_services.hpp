// Network services a scenario runs on the host's loopback while its container runs: a tiny DNS
// server (A records from the scenario, NXDOMAIN for the rest) and a TCP port forwarder (a
// hostPort as the node would forward it). Each serves on its own thread until destroyed, and
// counts what it served.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <thread>

namespace capprobe::lab {

// A network namespace of the lab's own, with its loopback up: the container joins it (runc's
// namespace path), and the services below serve inside it, so nothing listens on the host.
class LabNetns {
 public:
  LabNetns();  // throws when it cannot be made
  ~LabNetns();
  LabNetns(const LabNetns&) = delete;
  LabNetns& operator=(const LabNetns&) = delete;
  std::string path() const;  // /proc/<pid>/fd/<fd>: what runc's namespace "path" takes
  int fd() const { return fd_; }

 private:
  int fd_ = -1;
};

class DnsServer {
 public:
  // Binds UDP `address`:53 in `netns`; throws when it cannot.
  DnsServer(const LabNetns& netns, const std::string& address,
            std::map<std::string, std::string> records);
  ~DnsServer();
  DnsServer(const DnsServer&) = delete;
  DnsServer& operator=(const DnsServer&) = delete;
  int queries() const { return *queries_; }

 private:
  int fd_ = -1;
  std::shared_ptr<std::atomic<bool>> stop_ = std::make_shared<std::atomic<bool>>(false);
  std::shared_ptr<std::atomic<int>> queries_ = std::make_shared<std::atomic<int>>(0);
  std::thread thread_;
};

class PortForward {
 public:
  // Listens on TCP `listen_address`:`listen_port` and joins each connection to `to_address`:
  // `to_port`; throws when it cannot listen.
  PortForward(const LabNetns& netns, const std::string& listen_address, int listen_port,
              const std::string& to_address, int to_port);
  ~PortForward();
  PortForward(const PortForward&) = delete;
  PortForward& operator=(const PortForward&) = delete;
  int forwarded() const { return *forwarded_; }

 private:
  int fd_ = -1;
  std::shared_ptr<std::atomic<bool>> stop_ = std::make_shared<std::atomic<bool>>(false);
  std::shared_ptr<std::atomic<int>> forwarded_ = std::make_shared<std::atomic<int>>(0);
  std::thread thread_;
};

}  // namespace capprobe::lab
