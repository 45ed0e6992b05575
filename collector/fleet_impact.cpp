#include "collector/fleet_impact.hpp"

#include <algorithm>
#include <map>

#include "collector/html.hpp"
#include "collector/matrix.hpp"
#include "impact/catalog.hpp"
#include "impact/predict.hpp"
#include "impact/profiles.hpp"
#include "impact/skip_regex.hpp"

namespace capprobe::collector {
namespace {

struct Counted {
  nlohmann::json entry;  // the first subject's test, with "subjects" counting them all
  int subjects = 0;
};

struct GroupImpact {
  agent::Subject example;  // whose os, environment and runtime class name the group
  int subjects = 0;
  std::vector<std::string> test_order, unknown_order;
  std::map<std::string, Counted> tests, unknown;
  std::map<std::string, std::map<std::string, int>> profiles;  // name -> verdict -> subjects
};

// The entry is copied for the first subject only: the rest are counted.
void count(std::map<std::string, Counted>& into, std::vector<std::string>& order,
           const nlohmann::json& entry) {
  const auto& name = entry.at("name").get_ref<const std::string&>();
  auto found = into.find(name);
  if (found == into.end()) {
    found = into.emplace(name, Counted{entry, 0}).first;
    order.push_back(name);
  }
  ++found->second.subjects;
}

nlohmann::json listed(const std::vector<std::string>& order,
                      const std::map<std::string, Counted>& counted) {
  auto out = nlohmann::json::array();
  for (const auto& name : order) {
    auto entry = counted.at(name).entry;
    entry["subjects"] = counted.at(name).subjects;
    out.push_back(std::move(entry));
  }
  return out;
}

}  // namespace

TestEntry TestEntries::intern(nlohmann::json entry) {
  auto text = entry.dump();
  std::lock_guard lock(mutex_);
  auto& slot = by_text_[std::move(text)];
  if (auto shared = slot.lock()) return shared;
  auto made = std::make_shared<const nlohmann::json>(std::move(entry));
  slot = made;
  return made;
}

void TestEntries::forget_unused() {
  std::lock_guard lock(mutex_);
  std::erase_if(by_text_, [](const auto& item) { return item.second.expired(); });
}

ReportImpact report_impact(const agent::Report& report, const impact::Mapping& mapping,
                           TestEntries& entries) {
  ReportImpact out;
  out.subject = report.subject;
  auto json = impact::to_json(impact::predict(report, mapping));
  for (auto& test : json.at("tests")) {
    test.erase("rule");
    out.tests.push_back(entries.intern(std::move(test)));
  }
  for (auto& test : json.at("unknown")) out.unknown.push_back(entries.intern(std::move(test)));
  for (const auto& profile : impact::all_profiles())
    out.profile_verdicts.push_back(impact::judge(report, profile).verdict);
  return out;
}

nlohmann::json fleet_impact(const std::vector<agent::Report>& latest,
                            const impact::Mapping& mapping) {
  TestEntries entries;
  std::vector<std::shared_ptr<const ReportImpact>> summaries;
  for (const auto& report : latest)
    summaries.push_back(
        std::make_shared<const ReportImpact>(report_impact(report, mapping, entries)));
  return fleet_impact(summaries, mapping.k8s_version);
}

nlohmann::json fleet_impact(const std::vector<std::shared_ptr<const ReportImpact>>& latest,
                            const std::string& k8s_version) {
  const auto& profiles_known = impact::all_profiles();
  std::vector<std::string> group_order;
  std::map<std::string, GroupImpact> groups;
  for (const auto& report : latest) {
    const auto key = group_key(report->subject);
    auto [it, fresh] = groups.try_emplace(key);
    if (fresh) {
      group_order.push_back(key);
      it->second.example = report->subject;
    }
    auto& group = it->second;
    ++group.subjects;
    for (const auto& test : report->tests) count(group.tests, group.test_order, *test);
    for (const auto& test : report->unknown) count(group.unknown, group.unknown_order, *test);
    for (std::size_t p = 0; p < profiles_known.size(); ++p)
      ++group.profiles[profiles_known[p].name][report->profile_verdicts.at(p)];
  }
  std::sort(group_order.begin(), group_order.end());
  auto out = nlohmann::json::array();
  for (const auto& key : group_order) {
    const auto& group = groups.at(key);
    auto profiles = nlohmann::json::array();
    for (const auto& profile : impact::all_profiles()) {
      const auto& verdicts = group.profiles.at(profile.name);
      const auto of = [&](const char* word) {
        const auto found = verdicts.find(word);
        return found == verdicts.end() ? 0 : found->second;
      };
      profiles.push_back({{"name", profile.name},
                          {"pass", of("pass")},
                          {"fail", of("fail")},
                          {"untested", of("untested")}});
    }
    out.push_back({{"key", key},
                   {"os", group.example.os},
                   {"environment", group.example.environment},
                   {"runtime_class", group.example.runtime_class
                                         ? nlohmann::json(*group.example.runtime_class)
                                         : nlohmann::json(nullptr)},
                   {"subjects", group.subjects},
                   {"tests", listed(group.test_order, group.tests)},
                   {"unknown", listed(group.unknown_order, group.unknown)},
                   {"skip_regex", impact::skip_regex(group.test_order)},
                   {"profiles", profiles}});
  }
  return {{"k8s_version", k8s_version}, {"groups", out}};
}

std::string render_impact_page(const nlohmann::json& fleet, std::int64_t now_ms) {
  const auto version = fleet.at("k8s_version").get<std::string>();
  std::string out =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<title>capprobe: conformance impact " +
      html_escape(version) +
      "</title><style>body{font-family:sans-serif;margin:1.5em}td,th{padding:2px 8px;"
      "text-align:left;vertical-align:top}.fail{color:#b00}.pass{color:#070}code{font-size:"
      "85%;word-break:break-all}</style></head><body><h1><a href=\"/\">capprobe fleet</a>: "
      "conformance impact, Kubernetes " +
      html_escape(version) + "</h1><p>Versions:";
  for (const auto& v : impact::supported_versions())
    out += " <a href=\"/impact?k8s_version=" + html_escape(v) + "\">" + html_escape(v) + "</a>";
  out +=
      ". Predicted: from each subject's latest report's evidence (measured) or a limitation "
      "documented for its isolation flavor (documented). Unknown: the report cannot tell. "
      "JSON: <a href=\"/api/v1/impact?k8s_version=" +
      html_escape(version) + "\">/api/v1/impact</a>.</p>";
  if (fleet.at("groups").empty()) out += "<p>No fresh reports.</p>";
  for (const auto& group : fleet.at("groups")) {
    out += "<section><h2>" + html_escape(group.at("key").get<std::string>()) + " (" +
           std::to_string(group.at("subjects").get<int>()) + " subjects)</h2>";
    out +=
        "<h3>Profiles</h3><table><tr><th>profile</th><th>pass</th><th>fail</th>"
        "<th>untested</th></tr>";
    for (const auto& profile : group.at("profiles"))
      out += "<tr><td>" + html_escape(profile.at("name").get<std::string>()) +
             "</td><td class=\"pass\">" + std::to_string(profile.at("pass").get<int>()) +
             "</td><td class=\"fail\">" + std::to_string(profile.at("fail").get<int>()) +
             "</td><td>" + std::to_string(profile.at("untested").get<int>()) + "</td></tr>";
    out +=
        "</table><h3>Predicted to fail or not to run: " + std::to_string(group.at("tests").size()) +
        "</h3><table><tr><th>test</th>"
        "<th>capability</th><th>basis</th><th>subjects</th><th>reason</th></tr>";
    for (const auto& test : group.at("tests"))
      out += "<tr><td class=\"fail\">" + html_escape(test.at("name").get<std::string>()) +
             "</td><td>" + html_escape(test.at("capability").get<std::string>()) + "</td><td>" +
             html_escape(test.at("basis").get<std::string>()) + "</td><td>" +
             std::to_string(test.at("subjects").get<int>()) + "</td><td>" +
             html_escape(test.at("reason").get<std::string>()) + "</td></tr>";
    out += "</table><p>Unknown: " + std::to_string(group.at("unknown").size()) +
           " tests. Skip regex: <code>" + html_escape(group.at("skip_regex").get<std::string>()) +
           "</code></p></section>";
  }
  out += "<footer>generated at " + std::to_string(now_ms) + " ms</footer></body></html>\n";
  return out;
}

}  // namespace capprobe::collector
