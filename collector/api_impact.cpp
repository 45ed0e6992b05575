// GET /api/v1/impact?k8s_version=X.Y and GET /impact: the fleet's conformance impact
// (collector/fleet_impact.hpp) from each fresh subject's latest stored report. In a file of its
// own so that the routes' code stays apart from the rest of the API.
#include <nlohmann/json.hpp>

#include "collector/api.hpp"
#include "collector/clock.hpp"
#include "collector/fleet_impact.hpp"
#include "collector/matrix.hpp"
#include "impact/catalog.hpp"

namespace capprobe::collector {
namespace {

// The version asked for, the newest mapped without one; nullopt for one not mapped.
std::optional<std::string> asked_version(const Target& target) {
  const auto found = target.query.find("k8s_version");
  if (found == target.query.end() || found->second.empty()) return impact::newest_version();
  if (impact::mapping_for(found->second) == nullptr) return std::nullopt;
  return found->second;
}

std::string unknown_version_message(const Target& target) {
  std::string known;
  for (const auto& v : impact::supported_versions()) known += (known.empty() ? "" : ", ") + v;
  return "unknown k8s_version " + target.query.at("k8s_version") + " (supported: " + known + ")";
}

}  // namespace

nlohmann::json Api::fleet_impact_now(const impact::Mapping& mapping) {
  std::vector<std::string> ids;
  const auto now = unix_now_ms();
  fleet_.visit([&](const std::vector<const SubjectState*>& all, std::uint64_t) {
    for (const auto* state : all)
      if (!is_stale(*state, now, config_.stale_after)) ids.push_back(state->report_id);
  });
  return fleet_impact(impact_cache_.summaries(ids, mapping, reader_, *log_), mapping.k8s_version);
}

Response Api::impact(const Target& target) {
  const auto version = asked_version(target);
  if (!version) return error_response(http::status::bad_request, unknown_version_message(target));
  return json_response(http::status::ok, fleet_impact_now(*impact::mapping_for(*version)));
}

Response Api::page_impact(const Target& target) {
  const auto version = asked_version(target);
  if (!version) return error_response(http::status::bad_request, unknown_version_message(target));
  Response response{http::status::ok, 11};
  response.set("Content-Security-Policy",
               "default-src 'none'; style-src 'unsafe-inline'; img-src 'none'; "
               "form-action 'none'; frame-ancestors 'none'");
  response.set(http::field::content_type, "text/html; charset=utf-8");
  response.body() =
      render_impact_page(fleet_impact_now(*impact::mapping_for(*version)), unix_now_ms());
  return response;
}

}  // namespace capprobe::collector
