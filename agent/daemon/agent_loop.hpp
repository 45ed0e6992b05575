// The agent's event loop (Boost.Asio): a probe round at start and then every interval with
// jitter, each report spooled durably and delivered oldest first, retries with backoff,
// /healthz and /metrics, stop events (stop_events.hpp: SIGTERM/SIGINT, or Windows' console
// control events). Blocking work (the probes, the HTTP POST)
// runs on one worker thread and hands its result back to the loop, so the loop only ever waits
// on its timers, its signals and its sockets: no CPU between rounds.
#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>

#include "agent/daemon/beast.hpp"
#include "agent/daemon/delivery.hpp"
#include "agent/daemon/listener.hpp"
#include "agent/daemon/metrics.hpp"
#include "agent/daemon/options.hpp"
#include "agent/daemon/spool.hpp"
#include "agent/daemon/stop_events.hpp"
#include "agent/report.hpp"

namespace capprobe::agent::daemon {

// The world the loop acts on, injectable so that the loop's logic can be tested without
// probes or a network.
struct AgentDeps {
  std::function<Report()> run_round;  // blocking, on the worker thread; may throw
  std::function<DeliveryOutcome(const std::string& body)> deliver;  // blocking, worker thread
  std::function<double()> unit_random;  // uniform in [0, 1): interval and backoff jitter
  std::function<void()> after_round;    // on the loop, after each round (e.g. trim the heap)
};

class Agent {
 public:
  // `spool` is required (open it first: a spool that cannot be used is a startup error).
  // `out` receives --once's one-line summary. The loop touches no filesystem but its spool:
  // --nfd-file is written by the round (deps.run_round), off the loop.
  Agent(AgentOptions options, AgentDeps deps, std::unique_ptr<Spool> spool, std::ostream& out);
  ~Agent();

  // Runs until SIGTERM/SIGINT (exit 0) or, with --once, until the round's report is delivered
  // or spooled (0) or lost or rejected (1). A --listen address that cannot be bound is 1.
  int run();

  // Asks the loop to stop as SIGTERM does (finish the delivery under way, keep the spool).
  // Safe from any thread.
  void request_stop();

  // The loop's answer to an HTTP request (exposed for tests).
  HttpAnswer answer_http(std::string_view method, std::string_view target) const;

 private:
  struct Outgoing {
    std::string report_id;
    std::string body;
    std::optional<SpoolEntry> entry;  // nullopt: held in memory because spooling failed
  };
  enum class Fate { pending, delivered, rejected, spooled, lost };

  void start_round();
  void on_round_done(std::optional<Report> report, const std::string& failure,
                     std::chrono::steady_clock::duration took);
  void enqueue(const Report& report);
  void schedule_round();
  void pump();
  std::optional<Outgoing> next_outgoing();
  void on_delivered(Outgoing outgoing, const DeliveryOutcome& outcome);
  void schedule_retry();
  void on_stop_event(const std::string& what);
  void begin_stop(const std::string& why);
  void finish_if_quiet();
  void finish_once();
  AgentMetrics snapshot() const;

  AgentOptions options_;
  AgentDeps deps_;
  std::unique_ptr<Spool> spool_;
  std::ostream& out_;

  net::io_context loop_{1};
  net::thread_pool worker_{1};
  StopEvents stop_events_{loop_};
  net::steady_timer round_timer_{loop_};
  net::steady_timer retry_timer_{loop_};
  std::shared_ptr<Listener> listener_;

  bool round_in_flight_ = false;
  bool delivering_ = false;
  bool stopping_ = false;
  bool finished_ = false;
  int exit_code_ = 0;
  int consecutive_failures_ = 0;
  std::deque<Outgoing> unspooled_;
  std::uint64_t unspooled_dropped_ = 0;

  // --once: the fate of this process's one report.
  std::string once_report_id_;
  Fate once_fate_ = Fate::pending;
  std::string once_detail_;

  AgentMetrics metrics_;
  std::string latest_report_metrics_;  // render_prometheus of the latest report
};

}  // namespace capprobe::agent::daemon
