#include "impact/profiles.hpp"

#include <algorithm>
#include <stdexcept>

namespace capprobe::impact {
namespace {

ResultMatch match_from_json(const nlohmann::json& json, const std::string& where) {
  ResultMatch match;
  for (const auto& word : json.at("status")) {
    const auto status = probes::status_from_string(word.get<std::string>());
    if (!status) throw std::runtime_error("impact profiles: " + where + ": unknown status");
    match.status.push_back(*status);
  }
  if (json.contains("observed"))
    match.observed = json.at("observed").get<std::vector<std::string>>();
  return match;
}

bool matches(const ResultMatch& match, const probes::CapabilityResult& result) {
  if (std::find(match.status.begin(), match.status.end(), result.status) == match.status.end())
    return false;
  return match.observed.empty() || std::find(match.observed.begin(), match.observed.end(),
                                             result.observed) != match.observed.end();
}

RequirementVerdict judge_one(const agent::Report& report, const Requirement& requirement) {
  if (requirement.cluster_level) return {&requirement, "untested", kNeedsClusterSuite};
  const auto result = std::find_if(report.results.begin(), report.results.end(),
                                   [&](const auto& r) { return r.id == requirement.capability; });
  if (result == report.results.end())
    return {&requirement, "untested", requirement.capability + " is not in this report"};
  const auto said =
      requirement.capability + " is " + std::string(probes::to_string(result->status)) +
      (result->observed.empty() ? "" : " (" + result->observed + ")") + ": " + result->summary;
  // Failure first: a match list that overlaps must not turn evidence of a gap into a pass.
  if (matches(requirement.fail, *result)) return {&requirement, "fail", said};
  if (matches(requirement.pass, *result)) return {&requirement, "pass", said};
  return {&requirement, "untested", said};
}

}  // namespace

std::vector<Profile> profiles_from_json(const nlohmann::json& json) {
  std::vector<Profile> profiles;
  for (const auto& entry : json.at("profiles")) {
    Profile profile;
    profile.name = entry.at("name").get<std::string>();
    profile.title = entry.at("title").get<std::string>();
    profile.source = entry.at("source").get<std::string>();
    for (const auto& item : entry.at("requirements")) {
      Requirement requirement;
      requirement.id = item.at("id").get<std::string>();
      requirement.text = item.at("requirement").get<std::string>();
      requirement.source = item.at("source").get<std::string>();
      requirement.cluster_level = item.value("cluster_level", false);
      const auto where = profile.name + "/" + requirement.id;
      if (!requirement.cluster_level) {
        requirement.capability = item.at("capability").get<std::string>();
        requirement.pass = match_from_json(item.at("pass"), where);
        requirement.fail = match_from_json(item.at("fail"), where);
      }
      profile.requirements.push_back(std::move(requirement));
    }
    profiles.push_back(std::move(profile));
  }
  return profiles;
}

ProfileVerdict judge(const agent::Report& report, const Profile& profile) {
  ProfileVerdict verdict{&profile, "pass", {}};
  for (const auto& requirement : profile.requirements) {
    auto one = judge_one(report, requirement);
    if (one.verdict == "fail") verdict.verdict = "fail";
    if (one.verdict == "untested" && verdict.verdict == "pass") verdict.verdict = "untested";
    verdict.requirements.push_back(std::move(one));
  }
  return verdict;
}

nlohmann::json to_json(const ProfileVerdict& verdict) {
  auto requirements = nlohmann::json::array();
  int pass = 0, fail = 0, untested = 0;
  for (const auto& one : verdict.requirements) {
    pass += one.verdict == "pass";
    fail += one.verdict == "fail";
    untested += one.verdict == "untested";
    requirements.push_back({{"id", one.requirement->id},
                            {"requirement", one.requirement->text},
                            {"capability", one.requirement->cluster_level
                                               ? nlohmann::json(nullptr)
                                               : nlohmann::json(one.requirement->capability)},
                            {"verdict", one.verdict},
                            {"reason", one.reason},
                            {"source", one.requirement->source}});
  }
  return {{"name", verdict.profile->name},
          {"title", verdict.profile->title},
          {"source", verdict.profile->source},
          {"verdict", verdict.verdict},
          {"counts", {{"pass", pass}, {"fail", fail}, {"untested", untested}}},
          {"requirements", requirements}};
}

}  // namespace capprobe::impact
