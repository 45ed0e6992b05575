// Realistic capprobe reports for the collector's tests and benchmark: the DESIGN.md envelope
// with all fifteen capabilities, evidence shaped like the real probes' (mount lists, symlink
// locations, NUMA nodes...), padded with more mounts to a target size.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace capprobe::collector::testing {

struct SampleSubject {
  std::string node = "worker-1";
  std::optional<std::string> pod = "capprobe/capprobe-x7k2p";
  std::optional<std::string> container = "probe";
  std::optional<std::string> runtime_class;
  std::string os = "linux";
  std::string environment = "container";
};

struct SampleOptions {
  SampleSubject subject;
  std::string report_id;  // empty: a new random one
  std::string started_at = "2026-11-24T10:00:00Z";
  std::size_t target_bytes = 20 * 1024;  // reached (approximately, from above) with mounts
  bool request_host_pid = false;         // host.pid requested and ignored: the key finding
  unsigned seed = 1;                     // varies statuses between subjects
};

nlohmann::json sample_report(const SampleOptions& options);
std::string sample_report_text(const SampleOptions& options);

}  // namespace capprobe::collector::testing
