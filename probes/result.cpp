// JSON mapping of the result model; the one place that spells its field names.
#include "probes/result.hpp"

#include <array>
#include <stdexcept>
#include <utility>

namespace capprobe::probes {
namespace {
constexpr std::array<std::pair<Status, std::string_view>, 6> kStatusWords{{
    {Status::supported, "supported"},
    {Status::partial, "partial"},
    {Status::unsupported, "unsupported"},
    {Status::untested, "untested"},
    {Status::not_applicable, "not_applicable"},
    {Status::error, "error"},
}};
}  // namespace

std::string_view to_string(Status status) {
  for (const auto& [value, word] : kStatusWords)
    if (value == status) return word;
  return "error";
}

std::optional<Status> status_from_string(std::string_view word) {
  for (const auto& [value, known] : kStatusWords)
    if (known == word) return value;
  return std::nullopt;
}

nlohmann::json to_json(const CapabilityResult& result) {
  nlohmann::json json;
  json["id"] = result.id;
  json["status"] = to_string(result.status);
  json["observed"] = result.observed;
  json["requested"] = result.requested ? nlohmann::json(*result.requested) : nlohmann::json(nullptr);
  json["summary"] = result.summary;
  json["evidence"] = result.evidence.is_object() ? result.evidence : nlohmann::json::object();
  json["duration_ms"] = result.duration_ms;
  return json;
}

CapabilityResult result_from_json(const nlohmann::json& json) {
  CapabilityResult result;
  result.id = json.at("id").get<std::string>();
  const auto word = json.at("status").get<std::string>();
  const auto status = status_from_string(word);
  if (!status) throw std::invalid_argument("unknown status word: " + word);
  result.status = *status;
  result.observed = json.value("observed", "");
  if (json.contains("requested") && !json["requested"].is_null())
    result.requested = json["requested"].get<bool>();
  result.summary = json.value("summary", "");
  result.evidence = json.value("evidence", nlohmann::json::object());
  result.duration_ms = json.value("duration_ms", std::int64_t{0});
  return result;
}

}  // namespace capprobe::probes
