// GET /api/v1/impact?k8s_version=X.Y and the /impact page: per group of the fleet (os /
// environment / runtime class, as the matrix groups), the upstream e2e tests its subjects'
// latest reports predict to fail, the unknown ones, and the profile verdicts (impact/).
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "agent/report.hpp"
#include "impact/mapping.hpp"

namespace capprobe::collector {

// One predicted (or unknown) test of a report, shared by every report that names it alike.
using TestEntry = std::shared_ptr<const nlohmann::json>;

// One copy of each distinct test entry: most subjects of a fleet predict the same tests for the
// same reasons, and one copy a subject took 30 KiB a subject (450 MiB at 10,000). Thread-safe.
class TestEntries {
 public:
  TestEntry intern(nlohmann::json entry);
  // Drops the index entries of tests no report holds any more.
  void forget_unused();

 private:
  std::mutex mutex_;
  std::unordered_map<std::string, std::weak_ptr<const nlohmann::json>> by_text_;
};

// What one report contributes to the fleet's impact for one Kubernetes version: small, so that
// the collector keeps it per report and reads and parses only reports it has not summarised
// (collector/impact_cache.hpp), one at a time.
struct ReportImpact {
  agent::Subject subject;
  std::vector<TestEntry> tests;               // predicted tests, as impact::to_json, no "rule"
  std::vector<TestEntry> unknown;             // tests the report cannot tell
  std::vector<std::string> profile_verdicts;  // one a profile, in impact::all_profiles() order
};

ReportImpact report_impact(const agent::Report& report, const impact::Mapping& mapping,
                           TestEntries& entries);

// Each fresh subject's latest report, summarised. Each group: its subjects, each predicted test
// with how many subjects predict it (and the first one's reason), each unknown test likewise,
// the skip regex of every test predicted for any subject of the group, and per profile how many
// subjects pass, fail or are untested.
nlohmann::json fleet_impact(const std::vector<std::shared_ptr<const ReportImpact>>& latest,
                            const std::string& k8s_version);
// The same from whole reports.
nlohmann::json fleet_impact(const std::vector<agent::Report>& latest,
                            const impact::Mapping& mapping);

// The same as an HTML page, one section per group.
std::string render_impact_page(const nlohmann::json& fleet_impact, std::int64_t now_ms);

}  // namespace capprobe::collector
