// Conformance profiles (impact/data/profiles.json): requirement by requirement, the capability
// result that judges it, pass, fail or untested with the reason.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "agent/report.hpp"
#include "probes/result.hpp"

namespace capprobe::impact {

// A result matches when its status is one of `status` and, when `observed` is given, its
// observed keyword is one of those.
struct ResultMatch {
  std::vector<probes::Status> status;
  std::vector<std::string> observed;
};

struct Requirement {
  std::string id;
  std::string text;
  std::string source;
  bool cluster_level = false;  // a pod cannot check it: always untested
  std::string capability;      // empty when cluster_level
  ResultMatch pass;
  ResultMatch fail;
};

struct Profile {
  std::string name;  // "windows-core"
  std::string title;
  std::string source;
  std::vector<Requirement> requirements;
};

inline constexpr const char* kNeedsClusterSuite = "needs the cluster-level suite";

struct RequirementVerdict {
  const Requirement* requirement = nullptr;
  std::string verdict;  // "pass", "fail", "untested"
  std::string reason;
};

struct ProfileVerdict {
  const Profile* profile = nullptr;
  // "fail" when any requirement fails, else "untested" when any is untested, else "pass"
  std::string verdict;
  std::vector<RequirementVerdict> requirements;
};

std::vector<Profile> profiles_from_json(const nlohmann::json& json);  // throws on malformed data

ProfileVerdict judge(const agent::Report& report, const Profile& profile);

nlohmann::json to_json(const ProfileVerdict& verdict);

}  // namespace capprobe::impact
