// The Prometheus text of the collector's metrics and the HTML pages: content, escaping of every
// value that came from a report, and no external assets.
#include <catch2/catch.hpp>

#include <regex>

#include "collector/html.hpp"
#include "collector/metrics.hpp"

using namespace capprobe::collector;
using capprobe::probes::Status;

namespace {

constexpr std::int64_t kNow = 1'800'000'000'000;

SubjectState hostile_subject() {
  SubjectState state;
  state.subject.node = "<script>alert(1)</script>";
  state.subject.pod = "ns/\"pod\"&'x'";
  state.subject.runtime_class = "<b>kata</b>";
  state.subject.os = "linux";
  state.subject.arch = "amd64";
  state.subject.environment = "vm_guest";
  state.key = subject_key(state.subject);
  state.report_id = "r-1";
  state.received_at_ms = kNow - 1000;
  state.results = {{"host.pid", Status::unsupported, true},
                   {"fs.<i>symlink</i>", Status::supported, false}};
  return state;
}

// No remote scripts, styles, images or fonts: the page must work air-gapped.
void check_self_contained(const std::string& page) {
  CHECK(page.find("<script") == std::string::npos);
  CHECK(page.find("src=") == std::string::npos);
  CHECK(page.find("href=\"http") == std::string::npos);  // links stay on this collector
  CHECK(page.find("<link") == std::string::npos);
  CHECK(page.find("@import") == std::string::npos);
  CHECK(page.find("url(") == std::string::npos);
}

}  // namespace

TEST_CASE("html_escape escapes the five special characters") {
  CHECK(html_escape("<a href=\"x\">'&'</a>") ==
        "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
  CHECK(html_escape("plain text") == "plain text");
}

TEST_CASE("the matrix page shows groups, cells, the ignored flag and escapes report values") {
  const auto state = hostile_subject();
  const auto matrix = compute_matrix({&state}, kNow, std::chrono::hours(1), true);
  const auto page = render_matrix_page(matrix);
  CHECK(page.find("<script>alert(1)</script>") == std::string::npos);
  CHECK(page.find("&lt;script&gt;alert(1)&lt;/script&gt;") != std::string::npos);
  CHECK(page.find("<b>kata</b>") == std::string::npos);
  CHECK(page.find("<i>symlink</i>") == std::string::npos);
  CHECK(page.find("REQUESTED BUT IGNORED") != std::string::npos);
  CHECK(page.find("Requested but ignored") != std::string::npos);
  // The drill-down links: the node page, and the subjects behind a cell (URL-encoded).
  CHECK(page.find("href=\"/nodes/%3Cscript%3Ealert%281%29%3C%2Fscript%3E\"") != std::string::npos);
  CHECK(page.find("/nodes?capability=host.pid&amp;group=linux%2Fvm_guest%2F%3Cb%3Ekata%3C%2Fb%3E"
                  "&amp;status=unsupported") != std::string::npos);
  check_self_contained(page);
}

TEST_CASE("an empty fleet gets a page that says how to start") {
  const auto page = render_matrix_page(compute_matrix({}, kNow, std::chrono::hours(1), true));
  CHECK(page.find("No reports yet") != std::string::npos);
  check_self_contained(page);
}

TEST_CASE("the node page shows each result with its evidence, escaped") {
  const auto state = hostile_subject();
  const nlohmann::json report = {{"results",
                                  {{{"id", "host.pid"},
                                    {"status", "unsupported"},
                                    {"observed", "isolated"},
                                    {"requested", true},
                                    {"summary", "hostPID <requested> & ignored"},
                                    {"evidence", {{"pid1_comm", "</pre><script>x</script>"}}}}}}};
  const auto page =
      render_node_page(state.subject.node, {{state, true, report}},
                       {{"r-1", kNow, "{\"pod\":\"ns/p\",\"container\":\"c\"}"}}, kNow);
  CHECK(page.find("hostPID &lt;requested&gt; &amp; ignored") != std::string::npos);
  CHECK(page.find("&lt;/pre&gt;&lt;script&gt;x&lt;/script&gt;") != std::string::npos);
  CHECK(page.find("<script>") == std::string::npos);
  CHECK(page.find("REQUESTED BUT IGNORED") != std::string::npos);
  CHECK(page.find(">stale<") != std::string::npos);
  CHECK(page.find("ns/p / c") != std::string::npos);
  check_self_contained(page);
}

TEST_CASE("the subjects page describes its filter and lists matches") {
  const auto state = hostile_subject();
  SubjectFilter filter;
  filter.capability = "host.pid";
  filter.ignored_only = true;
  const auto page = render_subjects_page({&state}, filter, kNow, std::chrono::hours(1));
  CHECK(page.find("1 subject where capability") != std::string::npos);
  CHECK(page.find("&lt;script&gt;") != std::string::npos);
  CHECK(page.find("<script>") == std::string::npos);
  check_self_contained(page);
}

TEST_CASE("metrics say a store that cannot be reached is down and leave its size out") {
  Metrics metrics;
  Gauges gauges{10, 4, std::nullopt, 0};
  gauges.store_up = false;
  const auto text = metrics.render(gauges);
  CHECK_THAT(text, Catch::Contains("capprobe_collector_store_up 0\n"));
  CHECK_THAT(text, !Catch::Contains("capprobe_collector_database_bytes"));
  CHECK_THAT(text, Catch::Contains("capprobe_collector_subjects 10\n"));
}

TEST_CASE("metrics render as Prometheus text with counters, reasons and histograms") {
  Metrics metrics;
  metrics.received();
  metrics.received();
  metrics.accepted();
  metrics.rejected(Rejected::too_large);
  metrics.request(Route::post_report, 202, 0.003);
  metrics.request(Route::matrix, 200, 0.2);
  metrics.commit(5, 0.004);
  metrics.connection_opened();
  const auto text = metrics.render(Gauges{10, 4, 12345, 2});
  CHECK_THAT(text, Catch::Contains("capprobe_collector_reports_received_total 2\n"));
  CHECK_THAT(text, Catch::Contains("capprobe_collector_reports_accepted_total 1\n"));
  CHECK_THAT(
      text, Catch::Contains("capprobe_collector_reports_rejected_total{reason=\"too_large\"} 1\n"));
  CHECK_THAT(text, Catch::Contains(
                       "capprobe_collector_reports_rejected_total{reason=\"unauthorized\"} 0\n"));
  CHECK_THAT(text, Catch::Contains("capprobe_collector_subjects 10\n"));
  CHECK_THAT(text, Catch::Contains("capprobe_collector_database_bytes 12345\n"));
  CHECK_THAT(text, Catch::Contains("capprobe_collector_store_up 1\n"));
  CHECK_THAT(text, Catch::Contains("capprobe_collector_connections 1\n"));
  CHECK_THAT(text,
             Catch::Contains(
                 "capprobe_collector_http_requests_total{route=\"post_report\",code=\"202\"} 1\n"));
  CHECK_THAT(text, Catch::Contains("capprobe_collector_http_request_duration_seconds_bucket{"
                                   "route=\"post_report\",le=\"0.0025\"} 0\n"));
  CHECK_THAT(text, Catch::Contains("capprobe_collector_http_request_duration_seconds_bucket{"
                                   "route=\"post_report\",le=\"0.005\"} 1\n"));
  CHECK_THAT(text, Catch::Contains("capprobe_collector_http_request_duration_seconds_bucket{"
                                   "route=\"matrix\",le=\"+Inf\"} 1\n"));
  CHECK_THAT(text, Catch::Contains("capprobe_collector_http_request_duration_seconds_count{"
                                   "route=\"matrix\"} 1\n"));
  CHECK_THAT(text, Catch::Contains("capprobe_collector_committed_reports_total 5\n"));
  // Every sample line is "name{labels} value" or "name value".
  const std::regex sample(R"(^[a-z_]+(\{[a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*\})? [0-9.e+-]+$)");
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind("# ", 0) == 0) continue;
    INFO(line);
    CHECK(std::regex_match(line, sample));
  }
}
