// The collector's own Prometheus metrics (GET /metrics): reports received, accepted, duplicate
// and rejected by reason, request counts and durations per route, commits, connections, and the
// gauges the caller supplies at render time (subjects, database size...).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

namespace capprobe::collector {

enum class Route {
  post_report,
  matrix,
  nodes,
  node,
  reports,
  report,
  page_matrix,
  page_nodes,
  page_node,
  healthz,
  metrics,
  impact,       // GET /api/v1/impact (collector/fleet_impact.hpp)
  page_impact,  // GET /impact
  other,
};
inline constexpr std::size_t kRouteCount = static_cast<std::size_t>(Route::other) + 1;
const char* route_label(Route route);

// Why a POSTed report was not stored; the label of capprobe_collector_reports_rejected_total.
enum class Rejected {
  invalid_json,
  wrong_schema,
  invalid_report,
  too_large,
  unauthorized,
  storage,     // the database failed; the client may retry (503)
  overloaded,  // the ingest queue was full (503)
};
inline constexpr std::size_t kRejectedCount = static_cast<std::size_t>(Rejected::overloaded) + 1;
const char* rejected_label(Rejected reason);

struct Gauges {
  std::int64_t subjects = 0;
  std::int64_t nodes = 0;
  // nullopt: the store could not be reached for its size (store_up is then false).
  std::optional<std::int64_t> database_bytes = 0;
  std::int64_t ingest_queue = 0;
  bool store_up = true;
};

class Metrics {
 public:
  static constexpr std::array<double, 12> kBuckets{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                   0.05,   0.1,   0.25,   0.5,   1.0,  2.5};

  void received() { received_.fetch_add(1, std::memory_order_relaxed); }
  void accepted(std::uint64_t n = 1) { accepted_.fetch_add(n, std::memory_order_relaxed); }
  void duplicate(std::uint64_t n = 1) { duplicate_.fetch_add(n, std::memory_order_relaxed); }
  void rejected(Rejected reason) {
    rejected_[static_cast<std::size_t>(reason)].fetch_add(1, std::memory_order_relaxed);
  }
  void request(Route route, unsigned status, double seconds);
  void commit(std::size_t reports, double seconds);
  void connection_opened() { open_connections_.fetch_add(1, std::memory_order_relaxed); }
  void connection_closed() { open_connections_.fetch_sub(1, std::memory_order_relaxed); }
  void connection_refused() { refused_connections_.fetch_add(1, std::memory_order_relaxed); }
  void tls_handshake_failed() { failed_handshakes_.fetch_add(1, std::memory_order_relaxed); }
  std::int64_t open_connections() const {
    return open_connections_.load(std::memory_order_relaxed);
  }

  std::uint64_t accepted_count() const { return accepted_.load(); }
  std::uint64_t duplicate_count() const { return duplicate_.load(); }
  std::uint64_t rejected_count(Rejected reason) const {
    return rejected_[static_cast<std::size_t>(reason)].load();
  }

  std::string render(const Gauges& gauges) const;

 private:
  struct Histogram {
    std::array<std::atomic<std::uint64_t>, kBuckets.size()> buckets{};  // not cumulative
    std::atomic<std::uint64_t> count{0};
    std::atomic<std::uint64_t> sum_us{0};
    void observe(double seconds);
  };

  std::atomic<std::uint64_t> received_{0}, accepted_{0}, duplicate_{0};
  std::array<std::atomic<std::uint64_t>, kRejectedCount> rejected_{};
  std::array<Histogram, kRouteCount> durations_{};
  Histogram commit_durations_;
  std::atomic<std::uint64_t> committed_reports_{0};
  std::atomic<std::int64_t> open_connections_{0};
  std::atomic<std::uint64_t> refused_connections_{0};
  std::atomic<std::uint64_t> failed_handshakes_{0};
  mutable std::mutex codes_mutex_;
  std::map<std::pair<Route, unsigned>, std::uint64_t> codes_;
};

}  // namespace capprobe::collector
