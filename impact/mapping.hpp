// One Kubernetes minor version's mapping (impact/data/k8s-X.Y.json): rules that say which e2e
// tests a capability finding predicts to fail or not to run.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "probes/result.hpp"

namespace capprobe::impact {

// When a measured rule fires: every field given must hold for the capability's result (and the
// report's subject). `os` only scopes the rule: on another OS it says nothing, not even
// "unknown" (a Linux-only test says nothing about a Windows node).
struct Condition {
  std::vector<probes::Status> status;           // one of these
  std::optional<bool> requested;                // the result's `requested` is exactly this
  std::optional<std::string> os;                // subject.os
  std::vector<std::string> environment;         // subject.environment, one of these
  std::optional<std::string> evidence_present;  // a dotted evidence path that is not null
  // security.confinement: a requested_confinement entry whose field starts with this and whose
  // in_effect is false (the ask that was ignored)
  std::optional<std::string> ignored_field;
};

// A limitation documented for an isolation flavor (isolation.kernel's evidence `flavor`).
struct Documented {
  std::vector<std::string> flavors;  // "kata", "crx"...
  std::string source;                // the document that says so
  // false when the rule's capability cannot measure the limitation itself (NodePort): a
  // `supported` result then does not cancel the prediction
  bool measured_overrides = true;
};

struct Rule {
  std::string id;
  std::string capability;
  std::optional<Condition> when;         // a measured rule
  std::optional<Documented> documented;  // a documented rule
  // the capability statuses that leave these tests unknown (default untested, error)
  std::vector<probes::Status> unknown_when{probes::Status::untested, probes::Status::error};
  std::string reason;
  std::string e2e_file;  // where kubernetes/kubernetes defines the tests
  std::vector<std::string> tests;
};

struct Mapping {
  std::string k8s_version;  // "1.30"
  std::string test_list_file;
  std::string test_list_source;
  std::vector<Rule> rules;
};

// Throws std::runtime_error naming what is wrong (the data is ours: a unit test loads each).
Mapping mapping_from_json(const nlohmann::json& json);

}  // namespace capprobe::impact
