// Prometheus text exposition of the agent's counters and gauges.
#include "agent/daemon/metrics.hpp"

#include <charconv>

namespace capprobe::agent::daemon {
namespace {

std::string number(double value) {
  char text[64];
  const auto [end, ec] = std::to_chars(text, text + sizeof text, value);
  return ec == std::errc{} ? std::string(text, end) : std::string("NaN");
}

std::string family(std::string_view name, std::string_view type, std::string_view help) {
  return "# HELP " + std::string(name) + " " + std::string(help) + "\n# TYPE " + std::string(name) +
         " " + std::string(type) + "\n";
}

}  // namespace

std::string render_agent_metrics(const AgentMetrics& m) {
  std::string out;
  const auto single = [&](std::string_view name, std::string_view type, std::string_view help,
                          std::string value) {
    out += family(name, type, help) + std::string(name) + " " + value + "\n";
  };
  single("capprobe_agent_rounds_total", "counter", "Probe rounds run since the agent started.",
         std::to_string(m.rounds));
  single("capprobe_agent_round_failures_total", "counter",
         "Probe rounds that ended without a report.", std::to_string(m.round_failures));
  out += family("capprobe_agent_deliveries_total", "counter",
                "Delivery attempts by result: ok (stored or already stored), failed (will be "
                "retried), rejected (dropped: the collector refused the report).");
  out += "capprobe_agent_deliveries_total{result=\"ok\"} " + std::to_string(m.deliveries_ok) + "\n";
  out += "capprobe_agent_deliveries_total{result=\"failed\"} " +
         std::to_string(m.deliveries_failed) + "\n";
  out += "capprobe_agent_deliveries_total{result=\"rejected\"} " +
         std::to_string(m.deliveries_rejected) + "\n";
  single("capprobe_agent_spool_reports", "gauge", "Reports waiting in the spool for delivery.",
         std::to_string(m.spool_reports));
  single("capprobe_agent_spool_bytes", "gauge", "Bytes of reports waiting in the spool.",
         std::to_string(m.spool_bytes));
  single("capprobe_agent_dropped_reports_total", "counter",
         "Undelivered reports given up: the spool bound was hit (oldest dropped), a spool file "
         "was unreadable, or a report could not be spooled.",
         std::to_string(m.dropped_reports));
  if (m.last_delivery_unix)
    single("capprobe_agent_last_delivery_timestamp_seconds", "gauge",
           "When a report was last delivered, in seconds since the epoch.",
           number(*m.last_delivery_unix));
  if (m.last_round_unix)
    single("capprobe_agent_last_round_timestamp_seconds", "gauge",
           "When the last probe round ended, in seconds since the epoch.",
           number(*m.last_round_unix));
  if (m.last_round_seconds)
    single("capprobe_agent_last_round_duration_seconds", "gauge",
           "How long the last probe round took.", number(*m.last_round_seconds));
  return out;
}

}  // namespace capprobe::agent::daemon
