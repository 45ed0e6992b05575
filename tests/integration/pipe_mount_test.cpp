// fs.pipe_mount against real sockets at the well-known runtime paths: a listening containerd
// socket must be "connected" and must receive nothing (connect and close only, never speak to
// a host service); a socket nobody listens on must be "refused". The sockets live on a tmpfs
// over /run in a private mount namespace, so the machine's own /run is never touched.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <thread>

#include "tests/integration/support/report.hpp"
#include "tests/integration/support/run.hpp"
#include "tests/integration/support/sandbox.hpp"

namespace {

using namespace capprobe::it;
namespace fs = std::filesystem;

int bound_socket(const std::string& path) {
  const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("socket: " + std::string(std::strerror(errno)));
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    const int error = errno;
    close(fd);
    throw std::runtime_error("bind " + path + ": " + std::strerror(error));
  }
  return fd;
}

// Accepts every connection on a unix socket and, once stopped, counts what the peers sent.
class Listener {
 public:
  explicit Listener(const std::string& path) : fd_(bound_socket(path)) {
    if (listen(fd_, 16) != 0)
      throw std::runtime_error("listen: " + std::string(std::strerror(errno)));
    thread_ = std::thread([this] { accept_loop(); });
  }
  ~Listener() {
    stop();
    close(fd_);
  }
  void stop() {
    if (!thread_.joinable()) return;
    stopping_ = true;
    thread_.join();
    for (int peer : peers_) {
      char buffer[4096];
      ssize_t n = 0;
      while ((n = recv(peer, buffer, sizeof buffer, MSG_DONTWAIT)) > 0) bytes_received_ += n;
      close(peer);
    }
  }
  int connections() const { return static_cast<int>(peers_.size()); }
  long bytes_received() const { return bytes_received_; }

 private:
  void accept_loop() {
    while (!stopping_) {
      pollfd ready{fd_, POLLIN, 0};
      if (poll(&ready, 1, 50) <= 0) continue;
      const int peer = accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (peer >= 0) peers_.push_back(peer);
    }
  }

  int fd_;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  std::vector<int> peers_;  // touched by the accept thread until it is joined
  long bytes_received_ = 0;
};

// The endpoint entry for `path`, or null.
nlohmann::json endpoint(const nlohmann::json& result, const std::string& path) {
  const auto endpoints = result["evidence"].value("endpoints", nlohmann::json::array());
  for (const auto& entry : endpoints)
    if (entry.is_object() && entry.value("path", "") == path) return entry;
  return nullptr;
}

}  // namespace

TEST_CASE("fs.pipe_mount: a listening runtime socket is connected to and never spoken to",
          "[pipe_mount]") {
  CAPPROBE_IT_NEEDS(Facility::root);
  PrivateMountNamespace ns;  // before any thread: unshare(CLONE_NEWNS) wants one thread
  TmpfsMount run_dir("/run");
  fs::create_directory("/run/containerd");
  fs::create_directory("/run/crio");
  // Bound, never listened on, closed: connect() meets ECONNREFUSED.
  close(bound_socket("/run/crio/crio.sock"));

  nlohmann::json result;
  int connections = 0;
  long bytes = 0;
  {
    Listener containerd("/run/containerd/containerd.sock");
    const auto run = capprobe::it::run(
        {capprobe_path(), "probe", "--json", "--only", "fs.pipe_mount"}, kQuickRunTimeout);
    INFO(describe(run));
    REQUIRE(run.exited_zero());
    result = result_of(parse_report(run), "fs.pipe_mount");
    containerd.stop();
    connections = containerd.connections();
    bytes = containerd.bytes_received();
  }

  INFO(brief(result));
  CHECK(evidence_problems(result) == std::vector<std::string>{});
  CHECK(result["status"] != "error");
  const auto containerd = endpoint(result, "/run/containerd/containerd.sock");
  REQUIRE(containerd.is_object());
  CHECK(containerd.value("state", "") == "connected");
  CHECK(containerd.value("kind", "") == "unix_socket");
  const auto crio = endpoint(result, "/run/crio/crio.sock");
  REQUIRE(crio.is_object());
  CHECK(crio.value("state", "") == "refused");

  CHECK(connections >= 1);
  CHECK(bytes == 0);  // connect and close only
}

TEST_CASE("fs.pipe_mount: a runtime socket inside a mounted directory is found and connected",
          "[pipe_mount]") {
  // A DaemonSet mounts the directory /run/containerd at some path, not the socket itself.
  CAPPROBE_IT_NEEDS(Facility::root);
  PrivateMountNamespace ns;
  TempDir dir("socketdir");
  const auto mounted = (dir.path() / "host-run-containerd").string();
  TmpfsMount volume(mounted);
  const auto socket_path = mounted + "/containerd.sock";
  nlohmann::json result;
  {
    Listener containerd(socket_path);
    const auto run = capprobe::it::run(
        {capprobe_path(), "probe", "--json", "--only", "fs.pipe_mount"}, kQuickRunTimeout);
    INFO(describe(run));
    REQUIRE(run.exited_zero());
    result = result_of(parse_report(run), "fs.pipe_mount");
    containerd.stop();
    CHECK(containerd.bytes_received() == 0);
  }
  INFO(brief(result));
  CHECK(evidence_problems(result) == std::vector<std::string>{});
  const auto found = endpoint(result, socket_path);
  REQUIRE(found.is_object());
  CHECK(found.value("state", "") == "connected");
  CHECK(found.value("origin", "") == "scan");
  CHECK(result["status"] == "supported");
}

TEST_CASE("fs.pipe_mount as a user the socket denies: denied, and not called stale",
          "[pipe_mount]") {
  CAPPROBE_IT_NEEDS(Facility::root, Facility::setpriv);
  PrivateMountNamespace ns;
  TmpfsMount run_dir("/run");
  fs::create_directory("/run/containerd");
  TempDir bin("pipe-bin");
  const auto binary = bin.path() / "capprobe";
  fs::copy_file(capprobe_path(), binary);
  fs::permissions(binary, fs::perms::owner_all | fs::perms::others_read | fs::perms::others_exec);
  nlohmann::json result;
  {
    Listener containerd("/run/containerd/containerd.sock");
    ::chmod("/run/containerd/containerd.sock", 0600);  // root's, as on a node
    const auto run =
        capprobe::it::run({"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                           binary.string(), "probe", "--json", "--only", "fs.pipe_mount"},
                          kQuickRunTimeout);
    INFO(describe(run));
    REQUIRE(run.exited_zero());
    result = result_of(parse_report(run), "fs.pipe_mount");
    containerd.stop();
  }
  INFO(brief(result));
  const auto socket = endpoint(result, "/run/containerd/containerd.sock");
  REQUIRE(socket.is_object());
  CHECK(socket.value("state", "") == "denied");
  CHECK(result["observed"] == "present_denied");
  CHECK(result["status"] == "untested");
  const auto summary = result["summary"].get<std::string>();
  CHECK(summary.find("stale") == std::string::npos);
  CHECK(summary.find("uid 65534") != std::string::npos);
}
