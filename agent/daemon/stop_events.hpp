// What asks the long-running agent to stop, per OS: SIGTERM and SIGINT on Linux
// (stop_events_posix.cpp); on Windows the console control events a HostProcess container gets
// (CTRL_C, CTRL_BREAK, CTRL_CLOSE, CTRL_SHUTDOWN), chosen by CMake.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "agent/daemon/beast.hpp"

namespace capprobe::agent::daemon {

class StopEvents {
 public:
  explicit StopEvents(net::io_context& loop);
  ~StopEvents();
  StopEvents(const StopEvents&) = delete;
  StopEvents& operator=(const StopEvents&) = delete;

  // Calls `on_stop` on the loop's thread for every stop event from now on, with what it was
  // ("signal 15 (SIGTERM)"), until cancel() or destruction.
  void start(std::function<void(const std::string& what)> on_stop);
  void cancel();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace capprobe::agent::daemon
