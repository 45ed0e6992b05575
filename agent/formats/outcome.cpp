// The verdict-to-test mapping shared by the JUnit and Sonobuoy formats.
#include "agent/formats/outcome.hpp"

namespace capprobe::agent {

TestOutcome test_outcome(const probes::CapabilityResult& result) {
  using probes::Status;
  switch (result.status) {
    case Status::supported:
    case Status::partial:
      return TestOutcome::passed;
    case Status::unsupported:
      return result.requested_but_ignored() ? TestOutcome::failed : TestOutcome::passed;
    case Status::untested:
    case Status::not_applicable:
      return TestOutcome::skipped;
    case Status::error:
      return TestOutcome::errored;
  }
  return TestOutcome::errored;
}

std::string_view sonobuoy_status(TestOutcome outcome) {
  switch (outcome) {
    case TestOutcome::passed:
      return "passed";
    case TestOutcome::skipped:
      return "skipped";
    case TestOutcome::failed:
    case TestOutcome::errored:
      return "failed";
  }
  return "failed";
}

}  // namespace capprobe::agent
