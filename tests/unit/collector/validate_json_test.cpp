// Report validation at the JSON level, where simdjson (the parser) and nlohmann (which the agent
// and the rest of the collector use) could disagree: whatever is accepted must be complete, valid
// JSON, even in parts the validator does not read (the evidence), because it is stored and served
// again as received; and the parser's padding must never be read past the end of a body.
#include <catch2/catch.hpp>

#include <sys/mman.h>
#include <unistd.h>

#include <cstring>

#include "collector/validate.hpp"
#include "support/sample_report.hpp"
#include "support/text.hpp"

using namespace capprobe::collector;
using capprobe::collector::testing::cat;
using nlohmann::json;

namespace {

json sample() {
  testing::SampleOptions options;
  options.report_id = "r-1";
  options.target_bytes = 2048;
  return testing::sample_report(options);
}

// `document` as text, with its string "@@RAW@@" replaced by `raw`, verbatim.
std::string spliced(const json& document, std::string_view raw) {
  std::string text = document.dump();
  const std::string marker = "\"@@RAW@@\"";
  const auto at = text.find(marker);
  REQUIRE(at != std::string::npos);
  text.replace(at, marker.size(), raw);
  return text;
}

// A valid report whose first result's evidence holds `raw` as the value of "x".
std::string with_evidence(std::string_view raw) {
  json document = sample();
  document["results"][0]["evidence"] = {{"x", "@@RAW@@"}};
  return spliced(document, raw);
}

std::string valid_text() {
  return with_evidence("1");
}

bool accepts(const std::string& body) {
  return std::holds_alternative<IncomingReport>(validate_report(body));
}

Rejection rejection_of(const std::string& body) {
  auto outcome = validate_report(body);
  if (auto* rejection = std::get_if<Rejection>(&outcome)) return *rejection;
  FAIL("accepted: " << body.substr(0, 200));
  return {};
}

}  // namespace

TEST_CASE("every byte is validated, also in the evidence the validator does not read") {
  struct Case {
    const char* what;
    std::string raw;
    const char* expected;
  };
  const std::vector<Case> cases{
      {"a missing value", "[1,,2]", "parse error at line 1"},
      {"a bad literal", "[tru]", "invalid literal"},
      {"an unclosed array", "[1, 2", "parse error at line 1"},
      {"invalid UTF-8 in a string", "\"\xC3\x28\"", "ill-formed UTF-8"},
      {"invalid UTF-8 in a key", "{\"\xFF\": 1}", "ill-formed UTF-8"},
      {"an encoded surrogate", "\"\xED\xA0\x80\"", "ill-formed UTF-8"},
      {"a lone high surrogate escape", "\"\\ud800\"", "surrogate"},
      {"a lone low surrogate escape", "\"\\udc00x\"", "surrogate"},
      {"a bad escape", "\"\\q\"", "invalid string"},
      {"an unescaped control character",
       "\"a\x01"
       "b\"",
       "control character"},
      {"a leading zero", "01", "parse error"},
      {"a bare minus", "-", "parse error"},
      {"a number overflowing a double", "1e400", "number overflow"},
  };
  for (const auto& c : cases) {
    INFO(c.what);
    const auto rejection = rejection_of(with_evidence(c.raw));
    CHECK(rejection.reason == RejectReason::invalid_json);
    CHECK_THAT(rejection.message,
               Catch::StartsWith("the body is not valid JSON: ") && Catch::Contains(c.expected));
  }
}

TEST_CASE("numbers: 64-bit integers are read exactly, larger ones are refused") {
  // An integer beyond 64 bits is refused rather than stored as an approximation (nlohmann would
  // have read it as a double).
  for (const char* raw :
       {"18446744073709551616", "-9223372036854775809", "123456789012345678901"}) {
    INFO(raw);
    const auto rejection = rejection_of(with_evidence(raw));
    CHECK(rejection.reason == RejectReason::invalid_json);
    CHECK_THAT(rejection.message, Catch::Contains("out of range"));
  }
  for (const char* raw : {"18446744073709551615", "-9223372036854775808", "1e-400", "-0", "-0.0",
                          "1.5e300", "0.1000000000000000055511151231257827021181583404541015625"}) {
    INFO(raw);
    CHECK(accepts(with_evidence(raw)));
  }

  // duration_ms: a non-negative integer, whatever its spelling; the largest unsigned one too.
  const auto with_duration = [](const char* raw) {
    json document = sample();
    document["duration_ms"] = "@@RAW@@";
    return spliced(document, raw);
  };
  for (const char* ok : {"0", "-0", "18446744073709551615"}) {
    INFO(ok);
    CHECK(accepts(with_duration(ok)));
  }
  for (const char* bad : {"-1", "1e2", "1.0", "-0.0"}) {
    INFO(bad);
    CHECK_THAT(rejection_of(with_duration(bad)).message,
               Catch::Contains("duration_ms must be a non-negative integer"));
  }
}

TEST_CASE("nothing may follow the report but whitespace, a byte order mark may lead it") {
  const std::string valid = valid_text();
  CHECK(accepts(cat({" \t\r\n", valid, "\n\n  "})));
  CHECK(accepts(cat({"\xEF\xBB\xBF", valid})));
  const std::vector<std::string> trailing{cat({valid, "{}"}), cat({valid, " 1"}), cat({valid, ","}),
                                          cat({valid, "\n", valid})};
  for (const auto& body : trailing) {
    INFO(body.substr(valid.size()));
    const auto rejection = rejection_of(body);
    CHECK(rejection.reason == RejectReason::invalid_json);
    CHECK_THAT(rejection.message, Catch::Contains("expected end of input"));
  }
  // nlohmann's parser takes a NUL byte for the end of the text, so it would have accepted this
  // and the collector would have stored the bytes after it.
  CHECK(rejection_of(cat({valid, std::string_view("\0garbage", 8)})).reason ==
        RejectReason::invalid_json);
}

TEST_CASE("nesting: 64 levels are accepted, 65 are not, and the first fault in the text is named") {
  // The report, results, a result and its evidence are four levels.
  const auto nested = [](int levels) {
    const auto arrays = static_cast<std::size_t>(levels - 4);
    return with_evidence(cat({std::string(arrays, '['), std::string(arrays, ']')}));
  };
  CHECK(accepts(nested(64)));
  const auto deep = rejection_of(nested(65));
  CHECK(deep.reason == RejectReason::invalid_report);
  CHECK_THAT(deep.message, Catch::Contains("nests deeper than 64 levels"));

  // As a streaming parser reads it: a syntax error before the deep part is a JSON error; after
  // it, it is not reached.
  const std::string too_deep(100, '[');
  CHECK(rejection_of(with_evidence(cat({"[1,,2], \"y\": ", too_deep}))).reason ==
        RejectReason::invalid_json);
  CHECK(rejection_of(with_evidence(cat({too_deep, "1,,2"}))).reason ==
        RejectReason::invalid_report);
}

TEST_CASE("a key given twice counts with its last value, as report_from_json reads it") {
  json document = sample();
  std::string text = document.dump();
  text.pop_back();  // the closing brace

  // Whole values are replaced, not merged: the second subject has no pod.
  json subject = document["subject"];
  subject.erase("pod");
  subject["node"] = "second-node";
  const json results = json::array({document["results"][0]});
  const auto outcome =
      validate_report(cat({text, ",\"report_id\":\"second\",\"subject\":", subject.dump(),
                           ",\"results\":", results.dump(), "}"}));
  REQUIRE(std::holds_alternative<IncomingReport>(outcome));
  const auto& report = std::get<IncomingReport>(outcome);
  CHECK(report.report_id == "second");
  CHECK(report.subject.node == "second-node");
  CHECK_FALSE(report.subject.pod);
  REQUIRE(report.results.size() == 1);
  CHECK(report.results[0].id == document["results"][0]["id"]);

  // Inside a result too: the last status counts (the marker's key sorts after "status").
  document["results"][0]["status"] = "wrong";
  document["results"][0]["zzz"] = "@@RAW@@";
  CHECK(accepts(spliced(document, "0, \"status\": \"supported\"")));
  document["results"][0]["status"] = "supported";
  CHECK_THAT(rejection_of(spliced(document, "0, \"status\": \"x\"")).message,
             Catch::Contains("results[0].status \"x\""));
}

TEST_CASE("bodies without spare capacity are parsed without reading past their end") {
  const std::string valid = valid_text();

  // In place: a string with the padding reserved, as the HTTP server reads bodies.
  std::string padded;
  padded.reserve(valid.size() + kParsePadding);
  padded = valid;
  REQUIRE(padded.capacity() - padded.size() >= kParsePadding);
  CHECK(accepts(padded));

  // No spare capacity: copied first.
  std::string tight = valid;
  tight.shrink_to_fit();
  CHECK(accepts(tight));

  // The strongest check: the body ends exactly where readable memory ends, so one byte read past
  // it is a segmentation fault.
  const auto page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  const std::size_t span = (valid.size() / page + 2) * page;
  void* memory = mmap(nullptr, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  REQUIRE(memory != MAP_FAILED);
  char* guard = static_cast<char*>(memory) + span - page;
  REQUIRE(mprotect(guard, page, PROT_NONE) == 0);
  const std::vector<std::string> bodies{valid, cat({valid, "x"}), "{\"a\":tru", "1"};
  for (const auto& body : bodies) {
    INFO(body.substr(0, 40));
    char* start = guard - body.size();
    std::memcpy(start, body.data(), body.size());
    const auto outcome = validate_report(std::string_view(start, body.size()));
    CHECK(std::holds_alternative<IncomingReport>(outcome) == (body == valid));
  }
  munmap(memory, span);
}
