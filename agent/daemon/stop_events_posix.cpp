// POSIX implementation of stop_events.hpp: Asio's signal_set for SIGTERM and SIGINT.
#include <csignal>
#include <cstring>

#include "agent/daemon/stop_events.hpp"

namespace capprobe::agent::daemon {

struct StopEvents::Impl {
  explicit Impl(net::io_context& loop) : signals(loop, SIGINT, SIGTERM) {}

  void wait() {
    signals.async_wait([this](const beast::error_code& error, int signal_number) {
      if (error) return;  // cancelled
      wait();             // the next one (a second signal) counts too
      const char* name = signal_number == SIGTERM  ? "SIGTERM"
                         : signal_number == SIGINT ? "SIGINT"
                                                   : "?";
      on_stop("signal " + std::to_string(signal_number) + " (" + name + ")");
    });
  }

  net::signal_set signals;
  std::function<void(const std::string&)> on_stop;
};

StopEvents::StopEvents(net::io_context& loop) : impl_(std::make_unique<Impl>(loop)) {}

StopEvents::~StopEvents() = default;

void StopEvents::start(std::function<void(const std::string& what)> on_stop) {
  impl_->on_stop = std::move(on_stop);
  impl_->wait();
}

void StopEvents::cancel() {
  beast::error_code ignored;
  impl_->signals.cancel(ignored);
}

}  // namespace capprobe::agent::daemon
