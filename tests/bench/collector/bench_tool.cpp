// collector-bench-tool: helpers of the collector benchmark (tests/bench/collector/bench.sh).
//   template [--bytes N]  a realistic report whose report_id is @@ID@@ and node is @@NODE@@,
//                         for the wrk script to fill in per request.
#include <cstdlib>
#include <iostream>
#include <string>

#include "support/sample_report.hpp"

int main(int argc, char** argv) {
  using capprobe::collector::testing::SampleOptions;
  if (argc < 2 || std::string(argv[1]) != "template") {
    std::cerr << "usage: collector-bench-tool template [--bytes N]\n";
    return 2;
  }
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
