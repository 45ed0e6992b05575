// collector-bench-tool: helpers of the collector benchmark (tests/bench/collector/bench.sh).
//   template [--bytes N]    a realistic report whose report_id is @@ID@@ and node is @@NODE@@,
//                           for the wrk script to fill in per request.
//   matrix [--subjects N]   times the matrix computation, its JSON and its HTML page for N
//                           in-memory subjects, without HTTP.
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <string>

#include "collector/html.hpp"
#include "collector/matrix.hpp"
#include "collector/matrix_cache.hpp"
#include "collector/validate.hpp"
#include "support/sample_report.hpp"

namespace {

using capprobe::collector::testing::SampleOptions;

int print_template(int argc, char** argv) {
  SampleOptions options;
  options.report_id = "@@ID@@";
  options.subject.node = "@@NODE@@";
  options.subject.pod = "capprobe/capprobe-agent";
  options.request_host_pid = true;
  for (int i = 2; i + 1 < argc; i += 2)
    if (std::string(argv[i]) == "--bytes") options.target_bytes = std::stoul(argv[i + 1]);
  std::cout << capprobe::collector::testing::sample_report_text(options);
  return 0;
}

int time_matrix(int argc, char** argv) {
  using namespace capprobe::collector;
  int subjects = 10000;
  for (int i = 2; i + 1 < argc; i += 2)
    if (std::string(argv[i]) == "--subjects") subjects = std::stoi(argv[i + 1]);
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  // Received over the last hour, in step: with --stale-after 1h, time turns them stale in turn.
  const auto received_at = [&](int i) {
    return now - std::int64_t{3600} * 1000 * i / std::max(subjects, 1);
  };
  std::vector<SubjectState> states;
  const char* environments[] = {"container", "vm_guest", "sandbox"};
  for (int i = 0; i < subjects; ++i) {
    SampleOptions options;
    options.subject.node = "node-" + std::to_string(i);
    options.subject.environment = environments[i % 3];
    if (i % 3 == 1) options.subject.runtime_class = "kata";
    options.request_host_pid = i % 7 == 0;
    options.seed = static_cast<unsigned>(i);
    options.target_bytes = 0;
    auto outcome = validate_report(capprobe::collector::testing::sample_report_text(options));
    states.push_back(subject_state(std::get<IncomingReport>(outcome), i + 1, received_at(i)));
  }
  std::vector<const SubjectState*> all;
  for (const auto& state : states) all.push_back(&state);
  const auto time = [](const char* what, auto&& work) {
    const auto started = std::chrono::steady_clock::now();
    auto result = work();
    const std::chrono::duration<double, std::milli> took =
        std::chrono::steady_clock::now() - started;
    std::cout << what << ": " << took.count() << " ms\n";
    return result;
  };
  const auto matrix = time("compute (with nodes)",
                           [&] { return compute_matrix(all, now, std::chrono::seconds(0), true); });
  const auto json = time("to_json", [&] { return to_json(matrix); });
  const auto text = time("dump", [&] { return json.dump(); });
  std::cout << "json bytes: " << text.size() << "\n";
  const auto groups = time("compute (groups only)", [&] {
    return compute_matrix(all, now, std::chrono::seconds(0), false);
  });
  const auto groups_text =
      time("to_json + dump (groups only)", [&] { return to_json(groups).dump(); });
  const auto page = time("html page", [&] { return render_matrix_page(matrix); });
  std::cout << "html bytes: " << page.size() << "\n";

  // What GET /api/v1/matrix does: the fleet's matrix tally and the cache of its JSON, first
  // cold (the collector does this before it listens), then after changes.
  const auto stale_after = std::chrono::hours(1);
  Fleet fleet;
  for (const auto& state : states) fleet.apply(state);
  MatrixCache cache(fleet, stale_after);
  time("cached json, cold (counts the fleet, renders every node)",
       [&] { return cache.json(now, true); });
  auto changed = states[42];
  changed.seq = subjects + 1;
  changed.results[0].status = capprobe::probes::Status::error;
  time("apply one report (the ingest writer's part, tally included)",
       [&] { return fleet.apply(changed); });
  time("cached json, after one subject changed", [&] { return cache.json(now, true); });
  time("cached json, unchanged", [&] { return cache.json(now, true); });
  time("cached matrix for the HTML page, after that change", [&] { return cache.matrix(now); });
  const int reports = std::min(subjects, 1000);
  time("apply 1000 reports, each changing another node", [&] {
    for (int i = 0; i < reports; ++i) {
      auto state = states[static_cast<std::size_t>(i)];
      state.seq = subjects + 2 + i;
      state.results[1].status = capprobe::probes::Status::partial;
      fleet.apply(std::move(state));
    }
    return reports;
  });
  time("cached json, after those 1000 changes", [&] { return cache.json(now, true); });
  const auto minutes = [](int n) { return std::int64_t{n} * 60 * 1000; };
  time("cached json, 6 minutes later (a tenth of the fleet turned stale)",
       [&] { return cache.json(now + minutes(6), true); });
  time("cached json, 2 hours later (all of the fleet turned stale at once)",
       [&] { return cache.json(now + minutes(120), true); });
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string command = argc > 1 ? argv[1] : "";
  if (command == "template") return print_template(argc, argv);
  if (command == "matrix") return time_matrix(argc, argv);
  std::cerr << "usage: collector-bench-tool template [--bytes N] | matrix [--subjects N]\n";
  return 2;
}
