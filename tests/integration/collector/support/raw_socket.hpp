// A plain TCP client for the tests that misbehave on purpose: dribbling bytes, holding
// connections open, speaking half a request. Every wait is bounded.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace capprobe::collector::testing {

class RawSocket {
 public:
  explicit RawSocket(std::uint16_t port);  // throws when it cannot connect
  ~RawSocket();
  RawSocket(const RawSocket&) = delete;
  RawSocket& operator=(const RawSocket&) = delete;

  bool send(const std::string& bytes);  // false when the peer has closed or reset
  // Reads what arrives until `until` appears, the peer closes, or the timeout passes.
  std::string receive(std::chrono::milliseconds timeout, const std::string& until = "");
  // True when the peer closed (EOF or reset) within the timeout; data before it is discarded.
  bool wait_closed(std::chrono::milliseconds timeout);

 private:
  int fd_ = -1;
};

// Runs a program in its own process group with stdout and stderr to `output_path`; kills the
// whole group when it outlives the timeout. Returns the exit status, or -1 when it was killed.
int run_with_timeout(const std::vector<std::string>& argv, std::chrono::seconds timeout,
                     const std::string& output_path);

}  // namespace capprobe::collector::testing
