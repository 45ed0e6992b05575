// The fleet's conformance impact is made from every fresh subject's latest report. Reading and
// parsing them all on each GET took about 5 s and 1.7 GiB of memory at 10,000 subjects of 20 KiB
// reports: this keeps each report's small summary (collector/fleet_impact.hpp) per Kubernetes
// version, and reads from the store only the reports it has not summarised, one at a time.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include <spdlog/logger.h>

#include "collector/fleet_impact.hpp"
#include "collector/store.hpp"
#include "impact/mapping.hpp"

namespace capprobe::collector {

class ImpactCache {
 public:
  // The summaries of the reports `report_ids` under `mapping`, in that order. A report that is
  // gone from the store meanwhile, or no longer parses (logged), is left out. Summaries of
  // reports not asked for any more are forgotten. Throws what the store throws.
  std::vector<std::shared_ptr<const ReportImpact>> summaries(
      const std::vector<std::string>& report_ids, const impact::Mapping& mapping,
      StoreReader& reader, spdlog::logger& log);

  // How many reports were read from the store since the start: what the cache saves shows here.
  std::size_t reports_read() const;

 private:
  using Summaries = std::unordered_map<std::string, std::shared_ptr<const ReportImpact>>;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Summaries> by_version_;  // k8s version -> report id -> summary
  TestEntries entries_;
  std::size_t reports_read_ = 0;
};

}  // namespace capprobe::collector
