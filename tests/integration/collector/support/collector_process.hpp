// The collector as a real child process for integration tests: started on a free loopback port
// with a temporary database, waited for until /healthz answers, and always killed at the end.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace capprobe::collector::testing {

// A fresh directory under $TMPDIR, removed with everything in it.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Sets the process's umask for a scope. File-mode tests run under 022, the mask a service
// usually gets, so that they prove the modes the code asks for rather than a strict environment.
class ScopedUmask {
 public:
  explicit ScopedUmask(unsigned mask);
  ~ScopedUmask();
  ScopedUmask(const ScopedUmask&) = delete;
  ScopedUmask& operator=(const ScopedUmask&) = delete;

 private:
  unsigned previous_;
};

// A file's permission bits as octal text ("0600"), or "missing" when there is no such file.
std::string mode_text(const std::string& path);

// A port that was free a moment ago (bound to port 0 and released).
std::uint16_t free_port();

// Polls `condition` every 20 ms until it holds or `timeout` passes; returns its last value.
bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds timeout);

// Path of the capprobe-collector test executable (set by CMake).
std::string collector_binary();

class CollectorProcess {
 public:
  // Starts `capprobe-collector --listen 127.0.0.1:PORT --db DB extra...`; throws when it does not
  // answer /healthz within a few seconds (with its stderr in the message). When `extra_args`
  // has --db-file, --db is left out and DB only says where the log goes.
  CollectorProcess(const std::string& db_path, const std::vector<std::string>& extra_args = {},
                   std::uint16_t port = 0);
  ~CollectorProcess();  // SIGKILL if it still runs
  CollectorProcess(const CollectorProcess&) = delete;
  CollectorProcess& operator=(const CollectorProcess&) = delete;

  std::uint16_t port() const { return port_; }
  pid_t pid() const { return pid_; }
  bool running();
  void kill9();     // SIGKILL and reap: the crash the durability test is about
  int terminate();  // SIGTERM, wait up to 10 s, return the exit status (-1: had to be killed)
  std::string log() const;  // what it wrote to stderr
  long rss_kib() const;     // VmRSS from /proc

 private:
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
  std::string log_path_;
};

}  // namespace capprobe::collector::testing
