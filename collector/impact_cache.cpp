// The impact cache: per Kubernetes version, a summary of each fresh subject's latest report,
// made once from that report alone, and the fleet's answer made from the summaries.
#include "collector/impact_cache.hpp"

#include <nlohmann/json.hpp>

namespace capprobe::collector {

std::vector<std::shared_ptr<const ReportImpact>> ImpactCache::summaries(
    const std::vector<std::string>& report_ids, const impact::Mapping& mapping, StoreReader& reader,
    spdlog::logger& log) {
  Summaries known;
  {
    std::lock_guard lock(mutex_);
    known = by_version_[mapping.k8s_version];
  }
  // The store is read without the lock: another GET meanwhile may summarise the same report
  // twice, which costs time, never a wrong answer.
  Summaries now;
  std::vector<std::shared_ptr<const ReportImpact>> out;
  out.reserve(report_ids.size());
  std::size_t read = 0;
  for (const auto& id : report_ids) {
    auto found = known.find(id);
    if (found != known.end()) {
      out.push_back(found->second);
      now.emplace(id, found->second);
      continue;
    }
    const auto stored = reader.report(id);
    ++read;
    if (!stored) continue;  // removed meanwhile
    try {
      auto summary = std::make_shared<const ReportImpact>(report_impact(
          agent::report_from_json(nlohmann::json::parse(stored->body)), mapping, entries_));
      out.push_back(summary);
      now.emplace(id, std::move(summary));
    } catch (const std::exception& error) {
      // Stored reports were validated on the way in; one that no longer parses is skipped.
      log.warn("impact: stored report {} does not parse: {}", id, error.what());
    }
  }
  {
    std::lock_guard lock(mutex_);
    by_version_[mapping.k8s_version] = std::move(now);
    reports_read_ += read;
  }
  known.clear();  // what only this copy still held is released before the index is pruned
  entries_.forget_unused();
  return out;
}

std::size_t ImpactCache::reports_read() const {
  std::lock_guard lock(mutex_);
  return reports_read_;
}

}  // namespace capprobe::collector
