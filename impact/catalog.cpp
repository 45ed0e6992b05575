#include "impact/catalog.hpp"

#include <algorithm>
#include <map>

#include "impact/embedded_data.hpp"

namespace capprobe::impact {
namespace {

constexpr std::string_view kMappingPrefix = "k8s-";

// "1.9" < "1.21": compared as numbers, part by part.
bool older(const std::string& a, const std::string& b) {
  const auto parts = [](const std::string& v) {
    const auto dot = v.find('.');
    return std::pair<int, int>{std::stoi(v.substr(0, dot)), std::stoi(v.substr(dot + 1))};
  };
  return parts(a) < parts(b);
}

const std::map<std::string, Mapping>& mappings() {
  static const std::map<std::string, Mapping> all = [] {
    std::map<std::string, Mapping> loaded;
    for (const auto& file : embedded_files()) {
      if (file.name.rfind(kMappingPrefix, 0) != 0) continue;
      auto mapping = mapping_from_json(nlohmann::json::parse(file.content));
      loaded.emplace(mapping.k8s_version, std::move(mapping));
    }
    return loaded;
  }();
  return all;
}

}  // namespace

std::vector<std::string> supported_versions() {
  std::vector<std::string> versions;
  for (const auto& [version, mapping] : mappings()) versions.push_back(version);
  std::sort(versions.begin(), versions.end(), older);
  return versions;
}

std::string newest_version() {
  return supported_versions().back();
}

const Mapping* mapping_for(const std::string& version) {
  const auto found = mappings().find(version);
  return found == mappings().end() ? nullptr : &found->second;
}

const std::vector<Profile>& all_profiles() {
  static const std::vector<Profile> profiles = [] {
    for (const auto& file : embedded_files())
      if (file.name == "profiles.json")
        return profiles_from_json(nlohmann::json::parse(file.content));
    return std::vector<Profile>{};
  }();
  return profiles;
}

const Profile* profile_named(const std::string& name) {
  for (const auto& profile : all_profiles())
    if (profile.name == name) return &profile;
  return nullptr;
}

std::string profile_names() {
  std::string names;
  for (const auto& profile : all_profiles()) names += (names.empty() ? "" : ", ") + profile.name;
  return names;
}

}  // namespace capprobe::impact
