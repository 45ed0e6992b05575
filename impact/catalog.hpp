// The impact data compiled into this binary: the supported Kubernetes versions, each version's
// mapping, and the profiles. Parsed on first use, never by a run that does not ask.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "impact/mapping.hpp"
#include "impact/profiles.hpp"

namespace capprobe::impact {

std::vector<std::string> supported_versions();  // oldest first: "1.21", "1.30"
std::string newest_version();
const Mapping* mapping_for(const std::string& version);  // null for a version not supported
const std::vector<Profile>& all_profiles();
const Profile* profile_named(const std::string& name);  // null for an unknown name
std::string profile_names();                            // "windows-core, windows-hostprocess, ..."

}  // namespace capprobe::impact
