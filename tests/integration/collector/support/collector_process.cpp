// Child-process management for the collector's integration tests (POSIX).
#include "collector_process.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "http_client.hpp"

#ifndef CAPPROBE_COLLECTOR_BIN
#error "CAPPROBE_COLLECTOR_BIN must name the capprobe-collector executable"
#endif

namespace capprobe::collector::testing {

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string pattern = std::string(base && *base ? base : "/tmp") + "/capprobe-collector-XXXXXX";
  if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

ScopedUmask::ScopedUmask(unsigned mask) : previous_(::umask(static_cast<mode_t>(mask))) {}

ScopedUmask::~ScopedUmask() {
  ::umask(static_cast<mode_t>(previous_));
}

std::string mode_text(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) return "missing";
  char text[8];
  std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(info.st_mode & 07777));
  return text;
}

std::uint16_t free_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("socket failed");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof address;
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    close(fd);
    throw std::runtime_error("bind to a free port failed");
  }
  close(fd);
  return ntohs(address.sin_port);
}

bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

std::string collector_binary() {
  return CAPPROBE_COLLECTOR_BIN;
}

namespace {

// Beside a database file; for a database URL, a file of its own under $TMPDIR.
std::string log_path_for(const std::string& db) {
  if (db.find("://") == std::string::npos) return db + ".log";
  const char* base = std::getenv("TMPDIR");
  std::string pattern = std::string(base && *base ? base : "/tmp") + "/capprobe-collector-XXXXXX";
  const int fd = mkstemp(pattern.data());
  if (fd < 0) throw std::runtime_error("mkstemp failed");
  ::close(fd);
  return pattern;
}

}  // namespace

CollectorProcess::CollectorProcess(const std::string& db_path,
                                   const std::vector<std::string>& extra_args, std::uint16_t port)
    : port_(port ? port : free_port()), log_path_(log_path_for(db_path)) {
  std::vector<std::string> args{collector_binary(), "--listen",
                                "127.0.0.1:" + std::to_string(port_)};
  if (std::find(extra_args.begin(), extra_args.end(), "--db-file") == extra_args.end())
    args.insert(args.end(), {"--db", db_path});
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);

  // A test that dies on a signal must not leave its collector behind, and writing to a socket
  // the collector has reset must be an error, not a SIGPIPE that kills the test.
  std::signal(SIGPIPE, SIG_IGN);
  const pid_t parent = getpid();
  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);  // the parent is already gone
    const int log = open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (log >= 0) {
      dup2(log, STDERR_FILENO);
      dup2(log, STDOUT_FILENO);
    }
    execv(argv[0], argv.data());
    _exit(127);
  }
  // A collector given a certificate speaks only HTTPS: it is asked over TLS, unverified (the
  // tests about certificates verify them themselves).
  std::optional<ClientTls> tls;
  for (const auto& arg : extra_args)
    if (arg == "--tls-cert" || arg.rfind("--tls-cert=", 0) == 0) tls.emplace();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (std::chrono::steady_clock::now() < deadline) {
    if (!running()) throw std::runtime_error("the collector exited at start: " + log());
    if (http_request(port_, "GET", "/healthz", "", {}, std::chrono::milliseconds(500), tls)
            .status == 200)
      return;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  kill9();
  throw std::runtime_error("the collector did not answer /healthz in time: " + log());
}

CollectorProcess::~CollectorProcess() {
  kill9();
  // The log of a collector on a database URL is a temporary file of its own (log_path_for).
  if (log_path_.size() < 4 || log_path_.compare(log_path_.size() - 4, 4, ".log") != 0)
    ::unlink(log_path_.c_str());
}

bool CollectorProcess::running() {
  if (pid_ <= 0) return false;
  int status = 0;
  if (waitpid(pid_, &status, WNOHANG) == pid_) {
    pid_ = -1;
    return false;
  }
  return true;
}

void CollectorProcess::kill9() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

int CollectorProcess::terminate() {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  kill9();
  return -1;
}

std::string CollectorProcess::log() const {
  std::ifstream in(log_path_);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

long CollectorProcess::rss_kib() const {
  std::ifstream status("/proc/" + std::to_string(pid_) + "/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return -1;
}

}  // namespace capprobe::collector::testing
