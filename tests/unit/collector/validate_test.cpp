// Report validation, table-driven: each way a report can be wrong gets the right reason and a
// message that names the field; a valid report reads the same as agent::report_from_json reads it.
#include <catch2/catch.hpp>

#include <cstdio>
#include <functional>

#include "agent/report.hpp"
#include "collector/validate.hpp"
#include "support/sample_report.hpp"
#include "support/text.hpp"

using namespace capprobe::collector;
using nlohmann::json;

namespace {

json valid_report() {
  testing::SampleOptions options;
  options.report_id = "8d5f2f0a-1234-4567-89ab-0123456789ab";
  options.subject.runtime_class = "kata";
  options.subject.environment = "vm_guest";
  options.request_host_pid = true;
  options.target_bytes = 4096;
  return testing::sample_report(options);
}

Rejection rejected(const std::string& body) {
  auto outcome = validate_report(body);
  if (std::holds_alternative<IncomingReport>(outcome)) FAIL("accepted: " << body.substr(0, 300));
  return std::get<Rejection>(outcome);
}

// The rejection's message, or "(accepted)": a table of cases shows every case that goes wrong.
std::string outcome_of(const json& document) {
  const auto outcome = validate_report(document.dump());
  if (const auto* rejection = std::get_if<Rejection>(&outcome)) return rejection->message;
  return "(accepted)";
}

std::string utf8(char32_t c) {
  const auto byte = [](char32_t bits) { return static_cast<char>(bits); };
  if (c < 0x80) return std::string(1, byte(c));
  if (c < 0x800) return {byte(0xC0 | (c >> 6)), byte(0x80 | (c & 0x3F))};
  if (c < 0x10000)
    return {byte(0xE0 | (c >> 12)), byte(0x80 | ((c >> 6) & 0x3F)), byte(0x80 | (c & 0x3F))};
  return {byte(0xF0 | (c >> 18)), byte(0x80 | ((c >> 12) & 0x3F)), byte(0x80 | ((c >> 6) & 0x3F)),
          byte(0x80 | (c & 0x3F))};
}

std::string u_plus(char32_t c) {
  char text[16];
  std::snprintf(text, sizeof text, "U+%04X", static_cast<unsigned>(c));
  return text;
}

json with_node(const std::string& node) {
  json document = valid_report();
  document["subject"]["node"] = node;
  return document;
}

IncomingReport accepted(const std::string& body) {
  auto outcome = validate_report(body);
  if (const auto* rejection = std::get_if<Rejection>(&outcome)) FAIL(rejection->message);
  return std::get<IncomingReport>(outcome);
}

}  // namespace

TEST_CASE("a valid report is accepted and reads like report_from_json reads it") {
  const json document = valid_report();
  const auto report = accepted(document.dump());
  const auto reference = capprobe::agent::report_from_json(document);

  CHECK(report.report_id == reference.report_id);
  CHECK(report.subject.node == reference.subject.node);
  CHECK(report.subject.pod == reference.subject.pod);
  CHECK(report.subject.container == reference.subject.container);
  CHECK(report.subject.runtime_class == reference.subject.runtime_class);
  CHECK(report.subject.os == reference.subject.os);
  CHECK(report.subject.arch == reference.subject.arch);
  CHECK(report.subject.os_version == reference.subject.os_version);
  CHECK(report.subject.kernel == reference.subject.kernel);
  CHECK(report.subject.environment == reference.subject.environment);
  CHECK(report.started_at_ms == 1795514400000);  // 2026-11-24T10:00:00Z
  REQUIRE(report.results.size() == reference.results.size());
  for (std::size_t i = 0; i < report.results.size(); ++i) {
    CHECK(report.results[i].id == reference.results[i].id);
    CHECK(report.results[i].status == reference.results[i].status);
    CHECK(report.results[i].requested == reference.results[i].requested);
    CHECK(report.results[i].requested_but_ignored() ==
          reference.results[i].requested_but_ignored());
  }
  CHECK(report.subject_key ==
        "worker-1\x1f"
        "capprobe/capprobe-x7k2p\x1f"
        "probe\x1f"
        "kata");
  CHECK(json::parse(report.subject_json)["runtime_class"] == "kata");
}

TEST_CASE("a pod_spec the agent's reader can read is accepted, and read alike") {
  json document = valid_report();
  document["pod_spec"] = {{"source", "file"}};
  accepted(document.dump());
  CHECK(capprobe::agent::report_from_json(document).pod_spec.source == "file");
  document["pod_spec"]["detail"] = "pod.json; container probe, as named";
  accepted(document.dump());
  CHECK(capprobe::agent::report_from_json(document).pod_spec.detail ==
        "pod.json; container probe, as named");
}

TEST_CASE("fields the collector does not know are accepted, in any order") {
  json document = valid_report();
  document["future_field"] = {{"nested", json::array({1, 2, {{"x", nullptr}}})}};
  document["subject"]["zone"] = "eu-west-1a";
  document["results"][0]["links"] = json::array({"a"});
  // Move "schema" to the end of the text: SAX sees fields in document order.
  std::string text = document.dump();
  const std::string schema = "\"schema\":\"capprobe.report/v1\",";
  const auto at = text.find(schema);
  REQUIRE(at != std::string::npos);
  text.erase(at, schema.size());
  text.insert(text.size() - 1, ",\"schema\":\"capprobe.report/v1\"");
  CHECK(accepted(text).results.size() == document["results"].size());
}

TEST_CASE("empty or absent optional subject names mean unknown") {
  json document = valid_report();
  document["subject"]["pod"] = "";
  document["subject"]["container"] = nullptr;
  document["subject"].erase("runtime_class");
  document["subject"].erase("os_version");
  const auto report = accepted(document.dump());
  CHECK_FALSE(report.subject.pod);
  CHECK_FALSE(report.subject.container);
  CHECK_FALSE(report.subject.runtime_class);
  CHECK(report.subject.os_version.empty());
  CHECK(report.subject_key == "worker-1\x1f\x1f\x1f");
}

TEST_CASE("malformed JSON is invalid_json with the parser's position") {
  const std::string valid = valid_report().dump();
  struct Case {
    std::string body;
    const char* expected;
  };
  const std::vector<Case> cases{
      {"", "not valid JSON"},
      {"{bad", "parse error at line 1, column 2"},
      {valid + "x", "not valid JSON"},
      {valid.substr(0, valid.size() / 2), "not valid JSON"},
      {"{\"schema\":\"capprobe.report/v1\",\"report_id\":\"\xC3\x28\"}", "not valid JSON"},
  };
  for (const auto& c : cases) {
    INFO(c.body.substr(0, 80));
    const auto rejection = rejected(c.body);
    CHECK(rejection.reason == RejectReason::invalid_json);
    CHECK_THAT(rejection.message, Catch::Contains(c.expected));
  }
}

TEST_CASE("a report of another schema is wrong_schema, whatever else it holds") {
  const std::vector<std::pair<std::function<void(json&)>, const char*>> cases{
      {[](json& d) { d.erase("schema"); }, "schema is missing"},
      {[](json& d) { d["schema"] = "capprobe.report/v2"; },
       "unsupported schema \"capprobe.report/v2\""},
      {[](json& d) { d["schema"] = 1; }, "unsupported schema of type an integer"},
      {[](json& d) {
         d["schema"] = "other/v9";
         d["results"] = "not even an array";
       },
       "this collector accepts \"capprobe.report/v1\""},
  };
  for (const auto& [mutate, expected] : cases) {
    json document = valid_report();
    mutate(document);
    const auto rejection = rejected(document.dump());
    INFO(rejection.message);
    CHECK(rejection.reason == RejectReason::wrong_schema);
    CHECK_THAT(rejection.message, Catch::Contains(expected));
  }
}

TEST_CASE("every envelope and result field is checked, and the message names it") {
  const std::vector<std::pair<std::function<void(json&)>, const char*>> cases{
      {[](json& d) { d = json::array(); }, "must be a JSON object, not an array"},
      {[](json& d) { d = "text"; }, "must be a JSON object, not a string"},
      {[](json& d) { d.erase("report_id"); }, "report_id is missing"},
      {[](json& d) { d["report_id"] = 42; }, "report_id must be a string"},
      {[](json& d) { d["report_id"] = ""; }, "report_id must be 1-128"},
      {[](json& d) { d["report_id"] = "a b"; }, "report_id must be 1-128"},
      {[](json& d) { d["report_id"] = "../etc"; }, "report_id must be 1-128"},
      {[](json& d) { d["report_id"] = std::string(129, 'a'); }, "report_id is longer than 128"},
      {[](json& d) { d.erase("agent"); }, "agent is missing"},
      {[](json& d) { d["agent"] = "0.1.0"; }, "agent must be an object"},
      {[](json& d) { d["agent"]["version"] = 1; }, "agent.version must be a string"},
      {[](json& d) { d["agent"].erase("mode"); }, "agent.mode is missing"},
      {[](json& d) { d.erase("subject"); }, "subject is missing"},
      {[](json& d) { d["subject"] = json::array(); }, "subject must be an object"},
      {[](json& d) { d["subject"].erase("node"); }, "subject.node is missing"},
      {[](json& d) { d["subject"]["node"] = ""; }, "subject.node must not be empty"},
      {[](json& d) { d["subject"]["node"] = 3; }, "subject.node must be a string"},
      {[](json& d) { d["subject"]["node"] = "a\nb"; },
       "subject.node contains U+000A (a control character)"},
      {[](json& d) { d["subject"]["node"] = std::string(254, 'n'); }, "subject.node is longer"},
      {[](json& d) { d["subject"]["pod"] = 7; }, "subject.pod must be a string or null"},
      {[](json& d) { d["subject"]["runtime_class"] = "k\x01"; },
       "subject.runtime_class contains U+0001 (a control character)"},
      {[](json& d) { d["subject"]["os"] = ""; }, "subject.os must be a short word"},
      {[](json& d) { d["subject"]["environment"] = "vm guest"; }, "subject.environment must be"},
      {[](json& d) { d["subject"]["arch"] = nullptr; }, "subject.arch must be a string"},
      {[](json& d) { d["subject"]["kernel"] = 6; }, "subject.kernel must be a string"},
      // Found by fuzz_report_validator (README, "Fuzzing"): accepted, then report_from_json
      // could not read them.
      {[](json& d) {
         d["pod_spec"] = {{"detail", "pod.json"}};
       },
       "pod_spec.source is missing"},
      {[](json& d) { d["pod_spec"] = nullptr; }, "pod_spec must be an object"},
      {[](json& d) { d["pod_spec"] = "file"; }, "pod_spec must be an object"},
      {[](json& d) {
         d["pod_spec"] = {{"source", 1}};
       },
       "pod_spec.source must be a string"},
      {[](json& d) {
         d["pod_spec"] = {{"source", "file"}, {"detail", nullptr}};
       },
       "pod_spec.detail must be a string"},
      // Kept in a text column of its own, which a NUL would cut short (PostgreSQL).
      {[](json& d) { d["subject"]["kernel"] = std::string("6.1\0x", 5); },
       "subject.kernel contains U+0000"},
      {[](json& d) { d["subject"]["os_version"] = std::string("12\0", 3); },
       "subject.os_version contains U+0000"},
      {[](json& d) { d.erase("started_at"); }, "started_at is missing"},
      {[](json& d) { d["started_at"] = "yesterday"; }, "started_at must be an RFC 3339"},
      {[](json& d) { d["started_at"] = "2026-13-01T00:00:00Z"; }, "started_at must be an RFC 3339"},
      {[](json& d) { d.erase("duration_ms"); }, "duration_ms is missing"},
      {[](json& d) { d["duration_ms"] = -1; }, "duration_ms must be a non-negative integer"},
      {[](json& d) { d["duration_ms"] = 1.5; }, "duration_ms must be a non-negative integer"},
      {[](json& d) { d["duration_ms"] = "3"; }, "duration_ms must be a non-negative integer"},
      {[](json& d) { d.erase("results"); }, "results is missing"},
      {[](json& d) { d["results"] = json::object(); }, "results must be an array"},
      {[](json& d) { d["results"][1] = 5; }, "results[1] must be an object"},
      {[](json& d) { d["results"][2] = json::array(); }, "results[2] must be an object"},
      {[](json& d) { d["results"][0].erase("id"); }, "results[0].id is missing"},
      {[](json& d) { d["results"][0]["id"] = "fs symlink"; },
       "results[0].id must be a capability id"},
      {[](json& d) { d["results"][1]["id"] = d["results"][0]["id"]; },
       "capability fs.symlink appears twice"},
      {[](json& d) { d["results"][0]["status"] = "fine"; },
       "results[0].status \"fine\" is not one of"},
      {[](json& d) { d["results"][3].erase("status"); }, "results[3].status is missing"},
      {[](json& d) { d["results"][0]["requested"] = "yes"; },
       "results[0].requested must be true, false or null"},
      {[](json& d) { d["results"][0]["evidence"] = json::array(); },
       "results[0].evidence must be an object"},
      {[](json& d) { d["results"][0]["evidence"] = "x"; }, "results[0].evidence must be an object"},
      {[](json& d) { d["results"][0]["duration_ms"] = -3; },
       "results[0].duration_ms must be a non-negative"},
      {[](json& d) { d["results"][0]["observed"] = false; },
       "results[0].observed must be a string"},
      {[](json& d) { d["results"][0]["summary"] = std::string(70000, 's'); },
       "results[0].summary is longer"},
      {[](json& d) {
         json many = json::array();
         for (int i = 0; i < 1001; ++i)
           many.push_back(
               {{"id", testing::cat({"c", std::to_string(i)})}, {"status", "supported"}});
         d["results"] = many;
       },
       "results holds more than 1000 entries"},
      {[](json& d) {
         json deep = json::object();
         for (int i = 0; i < 70; ++i) deep = json{{"x", deep}};
         d["results"][0]["evidence"] = deep;
       },
       "nests deeper than 64 levels"},
  };
  for (const auto& [mutate, expected] : cases) {
    json document = valid_report();
    mutate(document);
    const auto rejection = rejected(document.dump());
    INFO(expected << " / got: " << rejection.message);
    CHECK(rejection.reason == RejectReason::invalid_report);
    CHECK_THAT(rejection.message, Catch::Contains(expected));
  }
}

// A node name is shown in the matrix, on node pages, in URLs and logs: one that displays as another
// name (Trojan Source's bidi overrides, invisible characters, look-alike spaces) is refused.
TEST_CASE("a name with a bidi control or an invisible character is refused, naming it") {
  const char32_t hidden[] = {
      0x061C, 0x200E, 0x200F, 0x202A, 0x202B, 0x202C, 0x202D,
      0x202E, 0x2066, 0x2067,  // bidi
      0x2068, 0x2069, 0x200B, 0x200C, 0x200D, 0x2060, 0x2061,
      0x2062, 0x2063, 0x2064,                                   // zero width
      0xFEFF, 0x180E, 0x00AD, 0x034F, 0x3164, 0xFE0F, 0xE0041,  // invisible format and fillers
      0x0085, 0x009B, 0x2028, 0x2029};                          // C1 controls, line breaks
  for (const char32_t c : hidden) {
    const auto message = outcome_of(with_node(testing::cat({"build", utf8(c), "-1"})));
    INFO(u_plus(c) << ": " << message);
    CHECK_THAT(message, Catch::StartsWith(testing::cat({"subject.node contains ", u_plus(c)})));
  }
  CHECK(outcome_of(with_node("evil\u202Etxt.exe")) ==
        "subject.node contains U+202E RIGHT-TO-LEFT OVERRIDE");
  json pod = valid_report();
  pod["subject"]["pod"] = "ns/agent\u2066";
  CHECK(outcome_of(pod) == "subject.pod contains U+2066 LEFT-TO-RIGHT ISOLATE");
  CHECK(std::holds_alternative<Rejection>(validate_report(with_node("n\u200B1").dump())));
  CHECK(std::get<Rejection>(validate_report(with_node("n\u200B1").dump())).reason ==
        RejectReason::invalid_report);
}

TEST_CASE("a name that is blank, padded or spaced by a look-alike space is refused") {
  const char32_t spaces[] = {0x0020, 0x00A0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005,
                             0x2006, 0x2007, 0x2008, 0x2009, 0x200A, 0x202F, 0x205F, 0x3000};
  for (const char32_t c : spaces) {
    const auto message = outcome_of(with_node(testing::cat({utf8(c), utf8(c)})));
    INFO(u_plus(c) << ": " << message);
    CHECK_THAT(message,
               Catch::StartsWith(testing::cat({"subject.node is only whitespace (", u_plus(c)})));
  }
  CHECK(outcome_of(with_node(" worker-1")) == "subject.node begins with U+0020 SPACE");
  CHECK(outcome_of(with_node("worker-1 ")) == "subject.node ends with U+0020 SPACE");
  CHECK(outcome_of(with_node("worker-1\u3000")) ==
        "subject.node ends with U+3000 IDEOGRAPHIC SPACE");
  CHECK_THAT(outcome_of(with_node("worker\u00A01")),
             Catch::StartsWith("subject.node contains U+00A0 NO-BREAK SPACE"));
  CHECK_THAT(outcome_of(with_node("worker\u200A1")),
             Catch::StartsWith("subject.node contains U+200A HAIR SPACE"));
  json runtime_class = valid_report();
  runtime_class["subject"]["runtime_class"] = "  ";  // not "unknown", as "" is: a mistake
  CHECK_THAT(outcome_of(runtime_class),
             Catch::StartsWith("subject.runtime_class is only whitespace"));
}

TEST_CASE("names that display as themselves are accepted, non-ASCII letters included") {
  for (const char* name : {"worker-1", "node-1.example.com", "my node", "knoten-\u00FC",
                           "\u8282\u70B9-1", "WIN-4J2K\u00C9"}) {
    INFO(name);
    CHECK(outcome_of(with_node(name)) == "(accepted)");
  }
}

TEST_CASE("RFC 3339 date-times to Unix milliseconds") {
  CHECK(parse_rfc3339_ms("1970-01-01T00:00:00Z") == 0);
  CHECK(parse_rfc3339_ms("1970-01-01T00:00:00.5Z") == 500);
  CHECK(parse_rfc3339_ms("1970-01-01T00:00:01.123456Z") == 1123);
  CHECK(parse_rfc3339_ms("1970-01-01T01:00:00+01:00") == 0);
  CHECK(parse_rfc3339_ms("1969-12-31T23:00:00-01:00") == 0);
  CHECK(parse_rfc3339_ms("2026-11-24t10:00:00z") == 1795514400000);
  CHECK(parse_rfc3339_ms("2024-02-29T00:00:00Z").has_value());
  for (const char* bad :
       {"", "2026-11-24", "2026-11-24T10:00Z", "2026-11-24T10:00:00", "2026-02-30T00:00:00Z",
        "2025-02-29T00:00:00Z", "2026-11-24T24:00:00Z", "2026-11-24T10:00:00.Z",
        "2026-11-24T10:00:00+0100", "2026-11-24T10:00:00Zjunk", "20261124T100000Z"}) {
    INFO(bad);
    CHECK_FALSE(parse_rfc3339_ms(bad));
  }
}

TEST_CASE("the subject key tells subjects apart and treats absent parts alike") {
  capprobe::agent::Subject a;
  a.node = "n1";
  a.pod = "ns/p";
  capprobe::agent::Subject b = a;
  b.runtime_class = "kata";
  CHECK(subject_key(a) != subject_key(b));
  capprobe::agent::Subject c;
  c.node = "n1";
  c.container = "ns/p";  // the same text in another part is another subject
  CHECK(subject_key(a) != subject_key(c));
}
