// Prometheus text exposition (format 0.0.4) of the collector's metrics. Every label value is
// from a fixed set, so no escaping is needed.
#include "collector/metrics.hpp"

#include <cstdio>
#include <sstream>

namespace capprobe::collector {
namespace {

void header(std::ostringstream& out, const char* name, const char* type, const char* help) {
  out << "# HELP " << name << ' ' << help << "\n# TYPE " << name << ' ' << type << '\n';
}

std::string seconds_text(double seconds) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", seconds);
  return text;
}

}  // namespace

const char* route_label(Route route) {
  switch (route) {
    case Route::post_report:
      return "post_report";
    case Route::matrix:
      return "matrix";
    case Route::nodes:
      return "nodes";
    case Route::node:
      return "node";
    case Route::reports:
      return "reports";
    case Route::report:
      return "report";
    case Route::page_matrix:
      return "page_matrix";
    case Route::page_nodes:
      return "page_nodes";
    case Route::page_node:
      return "page_node";
    case Route::healthz:
      return "healthz";
    case Route::metrics:
      return "metrics";
    case Route::impact:
      return "impact";
    case Route::page_impact:
      return "page_impact";
    case Route::other:
      return "other";
  }
  return "other";
}

const char* rejected_label(Rejected reason) {
  switch (reason) {
    case Rejected::invalid_json:
      return "invalid_json";
    case Rejected::wrong_schema:
      return "wrong_schema";
    case Rejected::invalid_report:
      return "invalid_report";
    case Rejected::too_large:
      return "too_large";
    case Rejected::unauthorized:
      return "unauthorized";
    case Rejected::storage:
      return "storage";
    case Rejected::overloaded:
      return "overloaded";
  }
  return "invalid_report";
}

void Metrics::Histogram::observe(double seconds) {
  for (std::size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) {
      buckets[i].fetch_add(1, std::memory_order_relaxed);
      break;
    }
  }
  count.fetch_add(1, std::memory_order_relaxed);
  sum_us.fetch_add(static_cast<std::uint64_t>(seconds * 1e6), std::memory_order_relaxed);
}

void Metrics::request(Route route, unsigned status, double seconds) {
  durations_[static_cast<std::size_t>(route)].observe(seconds);
  std::lock_guard lock(codes_mutex_);
  ++codes_[{route, status}];
}

void Metrics::commit(std::size_t reports, double seconds) {
  commit_durations_.observe(seconds);
  committed_reports_.fetch_add(reports, std::memory_order_relaxed);
}

std::string Metrics::render(const Gauges& gauges) const {
  std::ostringstream out;
  const auto counter = [&](const char* name, const char* help, std::uint64_t value) {
    header(out, name, "counter", help);
    out << name << ' ' << value << '\n';
  };
  const auto gauge = [&](const char* name, const char* help, std::int64_t value) {
    header(out, name, "gauge", help);
    out << name << ' ' << value << '\n';
  };
  const auto histogram = [&](const char* name, const Histogram& h, const std::string& labels) {
    std::uint64_t cumulative = 0;
    const std::string prefix = labels.empty() ? "" : labels + ",";
    for (std::size_t i = 0; i < kBuckets.size(); ++i) {
      cumulative += h.buckets[i].load(std::memory_order_relaxed);
      out << name << "_bucket{" << prefix << "le=\"" << seconds_text(kBuckets[i]) << "\"} "
          << cumulative << '\n';
    }
    const auto count = h.count.load(std::memory_order_relaxed);
    out << name << "_bucket{" << prefix << "le=\"+Inf\"} " << count << '\n';
    const std::string braces = labels.empty() ? "" : "{" + labels + "}";
    out << name << "_sum" << braces << ' '
        << seconds_text(static_cast<double>(h.sum_us.load(std::memory_order_relaxed)) / 1e6)
        << '\n';
    out << name << "_count" << braces << ' ' << count << '\n';
  };

  counter("capprobe_collector_reports_received_total",
          "Reports POSTed to /api/v1/reports, whatever became of them.", received_.load());
  counter("capprobe_collector_reports_accepted_total", "Reports stored (answered 202).",
          accepted_.load());
  counter("capprobe_collector_reports_duplicate_total",
          "Reports whose report_id was already stored (answered 200, not stored again).",
          duplicate_.load());
  header(out, "capprobe_collector_reports_rejected_total", "counter",
         "Reports not stored, by reason.");
  for (std::size_t r = 0; r < kRejectedCount; ++r)
    out << "capprobe_collector_reports_rejected_total{reason=\""
        << rejected_label(static_cast<Rejected>(r)) << "\"} " << rejected_[r].load() << '\n';

  gauge("capprobe_collector_subjects", "Subjects (node/pod/container/runtime class) known.",
        gauges.subjects);
  gauge("capprobe_collector_nodes", "Nodes known.", gauges.nodes);
  // A store that cannot be reached leaves its size out (absent, not 0: Prometheus tells the two
  // apart) and says so in store_up, so that the scrape itself still succeeds.
  gauge("capprobe_collector_store_up",
        "1 when the store answered this scrape (a SQLite file always does), else 0: the PostgreSQL "
        "database could not be reached.",
        gauges.store_up ? 1 : 0);
  if (gauges.database_bytes)
    gauge("capprobe_collector_database_bytes",
          "Size of the store: the SQLite database and its WAL, or the PostgreSQL database.",
          *gauges.database_bytes);
  gauge("capprobe_collector_ingest_queue", "Validated reports waiting for the next commit.",
        gauges.ingest_queue);
  gauge("capprobe_collector_connections", "Open HTTP connections.", open_connections());
  counter("capprobe_collector_connections_refused_total",
          "Connections refused because the connection limit was reached.",
          refused_connections_.load());
  counter("capprobe_collector_tls_handshake_failures_total",
          "TLS handshakes that failed (a client that does not trust the certificate, an old "
          "protocol, no cipher in common, a plain-HTTP request on the HTTPS port).",
          failed_handshakes_.load());

  header(out, "capprobe_collector_http_requests_total", "counter",
         "HTTP requests answered, by route and status code.");
  {
    std::lock_guard lock(codes_mutex_);
    for (const auto& [key, value] : codes_)
      out << "capprobe_collector_http_requests_total{route=\"" << route_label(key.first)
          << "\",code=\"" << key.second << "\"} " << value << '\n';
  }
  header(out, "capprobe_collector_http_request_duration_seconds", "histogram",
         "Time from a complete request to its response being ready, by route.");
  for (std::size_t r = 0; r < kRouteCount; ++r)
    if (durations_[r].count.load(std::memory_order_relaxed) > 0)
      histogram("capprobe_collector_http_request_duration_seconds", durations_[r],
                std::string("route=\"") + route_label(static_cast<Route>(r)) + "\"");

  header(out, "capprobe_collector_commit_duration_seconds", "histogram",
         "Duration of one group commit (a batch of reports in one transaction).");
  histogram("capprobe_collector_commit_duration_seconds", commit_durations_, "");
  counter("capprobe_collector_committed_reports_total",
          "Reports written by group commits (accepted ones; duplicates are not written).",
          committed_reports_.load());
  return out.str();
}

}  // namespace capprobe::collector
