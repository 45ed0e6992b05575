// The agent's own state as Prometheus text (served on --listen /metrics next to the latest
// report's capability gauges from render_prometheus).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace capprobe::agent::daemon {

struct AgentMetrics {
  std::uint64_t rounds = 0;
  std::uint64_t round_failures = 0;  // rounds that produced no report
  std::uint64_t deliveries_ok = 0;   // 202 and 200 (duplicate)
  std::uint64_t deliveries_failed = 0;
  std::uint64_t deliveries_rejected = 0;
  std::uint64_t spool_reports = 0;
  std::uint64_t spool_bytes = 0;
  std::uint64_t dropped_reports = 0;  // spool bound, unreadable spool files, unspoolable reports
  std::optional<double> last_delivery_unix;  // last successful delivery, seconds since epoch
  std::optional<double> last_round_unix;     // end of the last round that made a report
  std::optional<double> last_round_seconds;  // how long it took
};

// capprobe_agent_* families. Counters end in _total; an unknown timestamp is left out rather
// than reported as 0 (which would read as "1970").
std::string render_agent_metrics(const AgentMetrics& metrics);

}  // namespace capprobe::agent::daemon
