// How a capability verdict reads as a test result, for the formats that speak in tests (JUnit,
// Sonobuoy). Decided once so that both say the same thing.
#pragma once

#include <string_view>

#include "probes/result.hpp"

namespace capprobe::agent {

enum class TestOutcome {
  passed,   // supported, partial, and unsupported without a request: the node answered
  failed,   // unsupported although requested: the pod spec was silently ignored
  errored,  // the probe itself failed
  skipped,  // untested, not_applicable: nothing was exercised
};

// An optional feature a node lacks is a fact about the node, not a failed test: only what the
// pod spec asked for and did not get fails, so a CI gate on failures means "this node ignores
// my pod spec".
TestOutcome test_outcome(const probes::CapabilityResult& result);

// "passed", "failed", "skipped" as Sonobuoy's results format spells them; an error is "failed"
// there (Sonobuoy has no error status and counts JUnit errors as failures too).
std::string_view sonobuoy_status(TestOutcome outcome);

}  // namespace capprobe::agent
