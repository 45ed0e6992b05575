// The collector's ingest validation (collector/validate.hpp) on any body: it never crashes, the
// in-place (padded) and copying paths agree, and whatever it accepts the agent's own report
// reader (agent::report_from_json) reads too, with the same id, subject and results.
#include <cstddef>
#include <cstdint>
#include <string>
#include <variant>

#include <nlohmann/json.hpp>

#include "agent/report.hpp"
#include "collector/validate.hpp"
#include "fuzz/fuzz_check.hpp"

using namespace capprobe;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto copied = collector::validate_report(text);
  std::string padded;
  padded.reserve(size + collector::kParsePadding);
  padded.assign(text);
  const auto in_place = collector::validate_report(padded);

  const auto* accepted = std::get_if<collector::IncomingReport>(&copied);
  fuzz::check(accepted != nullptr == (std::get_if<collector::IncomingReport>(&in_place) != nullptr),
              "the padded and the copied body were judged differently");
  if (!accepted) {
    const auto& rejection = std::get<collector::Rejection>(copied);
    fuzz::check(!rejection.message.empty(), "a rejection without a message");
    fuzz::check(rejection.message == std::get<collector::Rejection>(in_place).message,
                "the padded and the copied body were rejected for different reasons");
    return 0;
  }

  agent::Report report;
  try {
    report = agent::report_from_json(nlohmann::json::parse(text));
  } catch (const std::exception& error) {
    fuzz::fail("the collector accepted a report that agent::report_from_json refuses",
               error.what());
  }
  fuzz::check(report.report_id == accepted->report_id, "report_id differs");
  fuzz::check(report.subject.node == accepted->subject.node, "subject.node differs");
  fuzz::check(report.results.size() == accepted->results.size(), "the result count differs");
  for (std::size_t i = 0; i < report.results.size(); ++i) {
    fuzz::check(report.results[i].id == accepted->results[i].id, "a result id differs");
    fuzz::check(report.results[i].status == accepted->results[i].status, "a status differs");
    fuzz::check(report.results[i].requested == accepted->results[i].requested,
                "a requested differs");
  }
  fuzz::check(collector::parse_rfc3339_ms(report.started_at) == accepted->started_at_ms,
              "started_at differs");
  return 0;
}
