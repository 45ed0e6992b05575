// The agent's state machine. Everything here runs on the loop thread except the two blocking
// calls handed to the worker (deps.run_round, deps.deliver), whose results come back by post.
#include "agent/daemon/agent_loop.hpp"

#include <cstdlib>
#include <exception>
#include <iostream>

#include "agent/formats/format.hpp"
#include "agent/log.hpp"

namespace capprobe::agent::daemon {
namespace {

// Reports kept in memory when the spool cannot take them (disk full): enough to ride out a
// short problem, small enough not to grow the agent.
constexpr std::size_t kMaxUnspooled = 8;

double seconds_since_epoch(std::chrono::system_clock::time_point when) {
  return std::chrono::duration<double>(when.time_since_epoch()).count();
}

}  // namespace

Agent::Agent(AgentOptions options, AgentDeps deps, std::unique_ptr<Spool> spool, std::ostream& out)
    : options_(std::move(options)), deps_(std::move(deps)), spool_(std::move(spool)), out_(out) {}

Agent::~Agent() {
  // Queued work must not run against a destroyed Agent; the worker is idle when run() returns.
  worker_.stop();
  worker_.join();
}

int Agent::run() {
  const auto log = logger("agent");
  if (options_.listen) {
    auto started = Listener::start(loop_, *options_.listen,
                                   [this](std::string_view method, std::string_view target) {
                                     return answer_http(method, target);
                                   });
    if (auto* problem = std::get_if<std::string>(&started)) {
      std::cerr << "capprobe: cannot listen on " << *problem << "\n";
      return 1;
    }
    listener_ = std::get<std::shared_ptr<Listener>>(std::move(started));
    log->info("serving /healthz and /metrics address={} port={}", options_.listen->host,
              listener_->port());
  }
  stop_events_.start([this](const std::string& what) { on_stop_event(what); });
  log->info("agent started collector={} interval={} spool={} spooled={} once={}",
            options_.collector, format_duration(options_.interval), spool_->dir(), spool_->depth(),
            options_.once);
  start_round();
  loop_.run();
  return exit_code_;
}

void Agent::start_round() {
  if (stopping_ || round_in_flight_) return;
  round_in_flight_ = true;
  net::post(worker_, [this] {
    const auto started = std::chrono::steady_clock::now();
    std::optional<Report> report;
    std::string failure;
    try {
      report = deps_.run_round();
    } catch (const std::exception& error) {
      failure = error.what();
    } catch (...) {
      failure = "unknown exception";
    }
    const auto took = std::chrono::steady_clock::now() - started;
    net::post(loop_, [this, report = std::move(report), failure, took]() mutable {
      on_round_done(std::move(report), failure, took);
    });
  });
}

void Agent::on_round_done(std::optional<Report> report, const std::string& failure,
                          std::chrono::steady_clock::duration took) {
  const auto log = logger("agent");
  round_in_flight_ = false;
  ++metrics_.rounds;
  if (!report) {
    ++metrics_.round_failures;
    log->error("probe round failed error={}", failure);
    if (options_.once) {
      once_fate_ = Fate::lost;
      once_detail_ = "the probe round failed: " + failure;
    }
  } else {
    metrics_.last_round_unix = seconds_since_epoch(std::chrono::system_clock::now());
    metrics_.last_round_seconds = std::chrono::duration<double>(took).count();
    latest_report_metrics_ = render_prometheus(*report);
    log->info("probe round done report_id={} results={} duration_ms={}", report->report_id,
              report->results.size(), report->duration_ms);
    enqueue(*report);
  }
  if (deps_.after_round) deps_.after_round();
  if (stopping_) return finish_if_quiet();
  if (!options_.once) schedule_round();
  pump();
}

// Spooled first, delivered from the spool: a report exists on disk before any attempt, so a
// crash or kill at any moment loses nothing that was produced.
void Agent::enqueue(const Report& report) {
  const auto log = logger("agent");
  auto body = to_json(report).dump();
  if (options_.once) once_report_id_ = report.report_id;
  const auto problem = spool_->put(report.report_id, body);
  if (problem.empty()) {
    if (options_.once) once_fate_ = Fate::spooled;
    return;
  }
  log->warn("cannot spool the report, keeping it in memory report_id={} error={}", report.report_id,
            problem);
  if (options_.once) {
    once_fate_ = Fate::lost;
    once_detail_ = "it could not be spooled (" + problem + ")";
  }
  if (unspooled_.size() >= kMaxUnspooled) {
    log->warn("dropping the oldest report held in memory report_id={}",
              unspooled_.front().report_id);
    unspooled_.pop_front();
    ++unspooled_dropped_;
  }
  unspooled_.push_back({report.report_id, std::move(body), std::nullopt});
}

void Agent::schedule_round() {
  const auto wait = jittered(options_.interval, options_.jitter, deps_.unit_random());
  logger("agent")->debug("next round in {}", format_duration(wait));
  round_timer_.expires_after(wait);
  round_timer_.async_wait([this](const beast::error_code& error) {
    if (!error) start_round();
  });
}

std::optional<Agent::Outgoing> Agent::next_outgoing() {
  while (const auto entry = spool_->oldest()) {
    if (auto body = spool_->read(*entry))
      return Outgoing{entry->report_id, std::move(*body), entry};
    logger("agent")->warn("dropping an unreadable spool file dir={} file={}", spool_->dir(),
                          entry->name);
    spool_->discard(*entry);
  }
  if (unspooled_.empty()) return std::nullopt;
  auto outgoing = std::move(unspooled_.front());
  unspooled_.pop_front();
  return outgoing;
}

// Sends the oldest waiting report, one at a time. Called after each round, each delivery and
// each retry timer; a no-op while a delivery is under way or the agent is stopping.
void Agent::pump() {
  if (delivering_ || stopping_) return;
  auto outgoing = next_outgoing();
  if (!outgoing) {
    if (options_.once && !round_in_flight_) finish_once();
    return;
  }
  delivering_ = true;
  net::post(worker_, [this, outgoing = std::move(*outgoing)]() mutable {
    DeliveryOutcome outcome;
    try {
      outcome = deps_.deliver(outgoing.body);
    } catch (const std::exception& error) {
      outcome = {DeliveryResult::retry, 0, error.what()};
    }
    net::post(loop_, [this, outgoing = std::move(outgoing), outcome]() mutable {
      on_delivered(std::move(outgoing), outcome);
    });
  });
}

void Agent::on_delivered(Outgoing outgoing, const DeliveryOutcome& outcome) {
  const auto log = logger("agent");
  delivering_ = false;
  const bool ours = options_.once && outgoing.report_id == once_report_id_;
  switch (outcome.result) {
    case DeliveryResult::delivered:
    case DeliveryResult::duplicate:
      ++metrics_.deliveries_ok;
      metrics_.last_delivery_unix = seconds_since_epoch(std::chrono::system_clock::now());
      if (consecutive_failures_ > 0)
        log->info("collector reachable again after failures={}", consecutive_failures_);
      consecutive_failures_ = 0;
      retry_timer_.cancel();
      if (outgoing.entry) spool_->remove(*outgoing.entry);
      log->info("delivered report_id={} status={}{} waiting={}", outgoing.report_id,
                outcome.http_status,
                outcome.result == DeliveryResult::duplicate ? " (already stored)" : "",
                spool_->depth() + unspooled_.size());
      if (ours) once_fate_ = Fate::delivered;
      break;
    case DeliveryResult::rejected:
      ++metrics_.deliveries_rejected;
      if (outgoing.entry) spool_->remove(*outgoing.entry);
      log->error("collector rejected the report, dropping it report_id={} status={} answer={}",
                 outgoing.report_id, outcome.http_status, outcome.detail);
      if (ours) {
        once_fate_ = Fate::rejected;
        once_detail_ = "HTTP " + std::to_string(outcome.http_status) +
                       (outcome.detail.empty() ? "" : ": " + outcome.detail);
      }
      break;
    case DeliveryResult::retry:
      ++metrics_.deliveries_failed;
      ++consecutive_failures_;
      // One warning per outage, not one per attempt.
      if (consecutive_failures_ == 1)
        log->warn("delivery failed, will retry report_id={} status={} error={}", outgoing.report_id,
                  outcome.http_status, outcome.detail);
      else
        log->debug("delivery failed again failures={} status={} error={}", consecutive_failures_,
                   outcome.http_status, outcome.detail);
      if (!outgoing.entry) unspooled_.push_front(std::move(outgoing));
      if (ours && once_fate_ != Fate::lost)
        once_detail_ = outcome.http_status == 0
                           ? outcome.detail
                           : "HTTP " + std::to_string(outcome.http_status) +
                                 (outcome.detail.empty() ? "" : ": " + outcome.detail);
      if (stopping_) return finish_if_quiet();
      if (options_.once) return finish_once();
      return schedule_retry();
  }
  if (stopping_) return finish_if_quiet();
  pump();
}

void Agent::schedule_retry() {
  const auto wait = backoff_delay(options_.backoff, consecutive_failures_, deps_.unit_random());
  logger("agent")->debug("next delivery attempt in {} waiting={}", format_duration(wait),
                         spool_->depth() + unspooled_.size());
  retry_timer_.expires_after(wait);
  retry_timer_.async_wait([this](const beast::error_code& error) {
    if (!error) pump();
  });
}

void Agent::on_stop_event(const std::string& what) {
  if (stopping_) {
    // A second stop request: the operator does not want to wait. The spool is consistent on
    // disk at every instant, so leaving now loses at most the round under way.
    logger("agent")->warn("second stop request, exiting without waiting event=\"{}\"", what);
    spdlog::shutdown();
    std::_Exit(0);
  }
  begin_stop(what);
}

void Agent::request_stop() {
  net::post(loop_, [this] {
    if (!stopping_) begin_stop("stop requested");
  });
}

void Agent::begin_stop(const std::string& why) {
  stopping_ = true;
  logger("agent")->info("stopping reason=\"{}\" round_in_flight={} delivering={} spooled={}", why,
                        round_in_flight_, delivering_, spool_->depth());
  round_timer_.cancel();
  retry_timer_.cancel();
  if (listener_) listener_->stop();
  finish_if_quiet();
}

// Stops the loop once nothing is under way: the round's report spooled, the delivery answered.
void Agent::finish_if_quiet() {
  if (round_in_flight_ || delivering_ || finished_) return;
  finished_ = true;
  if (!unspooled_.empty())
    logger("agent")->warn("exiting with reports that could not be spooled lost={}",
                          unspooled_.size());
  logger("agent")->info("stopped spooled={}", spool_->depth());
  exit_code_ = 0;
  loop_.stop();
}

void Agent::finish_once() {
  if (finished_) return;
  finished_ = true;
  const auto waiting = spool_->depth();
  switch (once_fate_) {
    case Fate::delivered:
      out_ << "delivered report " << once_report_id_ << " to " << options_.collector << "\n";
      exit_code_ = 0;
      break;
    case Fate::spooled:
    case Fate::pending:
      out_ << "spooled report " << once_report_id_ << " in " << spool_->dir() << " (" << waiting
           << " waiting): the collector did not take it now"
           << (once_detail_.empty() ? "" : " (" + once_detail_ + ")") << "\n";
      exit_code_ = 0;
      break;
    case Fate::rejected:
      out_ << "the collector rejected report " << once_report_id_ << " (" << once_detail_ << ")\n";
      exit_code_ = 1;
      break;
    case Fate::lost:
      out_ << "report " << (once_report_id_.empty() ? "(none)" : once_report_id_)
           << " was neither delivered nor spooled: " << once_detail_ << "\n";
      exit_code_ = 1;
      break;
  }
  out_.flush();
  if (listener_) listener_->stop();
  loop_.stop();
}

AgentMetrics Agent::snapshot() const {
  AgentMetrics metrics = metrics_;
  metrics.spool_reports = spool_->depth() + unspooled_.size();
  metrics.spool_bytes = spool_->bytes();
  metrics.dropped_reports = spool_->dropped() + unspooled_dropped_;
  return metrics;
}

HttpAnswer Agent::answer_http(std::string_view method, std::string_view target) const {
  const auto path = target.substr(0, target.find('?'));
  if (method != "GET" && method != "HEAD") return {405, "text/plain; charset=utf-8", "GET only\n"};
  if (path == "/healthz") return {200, "text/plain; charset=utf-8", "ok\n"};
  if (path == "/metrics")
    return {200, "text/plain; version=0.0.4; charset=utf-8",
            latest_report_metrics_ + render_agent_metrics(snapshot())};
  return {404, "text/plain; charset=utf-8", "not found: try /metrics or /healthz\n"};
}

}  // namespace capprobe::agent::daemon
