// The wording of the shared verdicts; see judge.hpp for the rules.
#include "probes/common/judge.hpp"

#include <utility>
#include <vector>

namespace capprobe::probes {

void mark_ignored(CapabilityResult& result, std::string_view field, std::string_view seen_text) {
  result.status = Status::unsupported;
  result.summary = std::string(kIgnoredPrefix) + std::string(field) +
                   " was requested but is not in effect: " + std::string(seen_text);
}

void set_verdict(CapabilityResult& result, Status status, std::string observed,
                 std::string summary) {
  result.status = status;
  result.observed = std::move(observed);
  result.summary = std::move(summary);
}

bool spec_covers(const PodRequests& requests, SpecScope scope) {
  if (!requests.from_pod_spec) return false;
  return scope == SpecScope::pod || !requests.container_unknown;
}

std::optional<bool> requested_when(bool asked, const PodRequests& requests) {
  if (asked) return true;
  if (spec_covers(requests, SpecScope::container)) return false;
  return std::nullopt;
}

void explain_refused(CapabilityResult& result, const PodRequests& requests) {
  if (result.requested == true) return;
  std::vector<std::string> paths;
  for (const auto& refused : requests.refused)
    if (refused.capability == result.id) paths.push_back(refused.path);
  if (paths.empty()) return;
  result.requested = std::nullopt;
  std::string listed;
  for (std::size_t i = 0; i < paths.size(); ++i)
    listed += (i == 0 ? "" : i + 1 == paths.size() ? " and " : ", ") + paths[i];
  result.summary += "; the request is unknown because the pod spec sets " + listed +
                    ", which the API server refuses for a " + requests.os_name.value_or("") +
                    " pod";
}

void explain_unknown_container(CapabilityResult& result, const PodRequests& requests,
                               SpecScope scope) {
  explain_refused(result, requests);
  if (scope != SpecScope::container || result.requested || !requests.from_pod_spec ||
      !requests.container_unknown)
    return;
  result.summary += "; the request is unknown because " + *requests.container_unknown;
}

void judge_switch(CapabilityResult& result, bool in_effect, std::string_view field,
                  std::string_view seen_text) {
  if (in_effect) {
    result.status = Status::supported;
    result.summary = std::string(seen_text);
    if (result.requested == false)
      result.summary += " (although " + std::string(field) + " was not requested)";
    return;
  }
  if (result.requested.value_or(false)) {
    mark_ignored(result, field, seen_text);
    return;
  }
  result.status = Status::untested;
  result.summary = std::string(seen_text) + "; " + std::string(field) +
                   (result.requested.has_value() ? " was not requested" : " request unknown") +
                   ", so whether it would be honoured is not shown";
}

}  // namespace capprobe::probes
