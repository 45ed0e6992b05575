// The result model of DESIGN.md ("Result model"): one CapabilityResult per capability. The JSON
// field names and status words here are API.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace capprobe::probes {

enum class Status { supported, partial, unsupported, untested, not_applicable, error };

std::string_view to_string(Status status);
std::optional<Status> status_from_string(std::string_view word);

// "Requested but not observed": the pod spec asked for it and the environment does not give it.
// The most valuable finding; every output format and the collector's matrix flag it. The rule,
// once: every holder of a status and a request asks here.
inline bool is_requested_but_ignored(std::optional<bool> requested, Status status) {
  return requested.value_or(false) && status == Status::unsupported;
}

struct CapabilityResult {
  std::string id;
  Status status = Status::untested;
  std::string observed;           // probe-specific keyword: "shared", "enforced", "vm_guest"...
  std::optional<bool> requested;  // what the pod spec asked; nullopt = unknown
  std::string summary;            // one sentence a person reads
  nlohmann::json evidence = nlohmann::json::object();  // the raw facts the verdict rests on
  std::int64_t duration_ms = 0;

  bool requested_but_ignored() const { return is_requested_but_ignored(requested, status); }
};

nlohmann::json to_json(const CapabilityResult& result);
CapabilityResult result_from_json(const nlohmann::json& json);  // throws on a malformed result

}  // namespace capprobe::probes
