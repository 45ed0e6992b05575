// The junit, sonobuoy, prometheus and nfd formats over one sample report holding every status,
// a requested-but-ignored result and hostile text (markup, quotes, control characters, invalid
// UTF-8); each output is parsed back and checked against its format's grammar.
#include <catch2/catch.hpp>

#include <boost/property_tree/ptree.hpp>
#include <boost/property_tree/xml_parser.hpp>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "agent/formats/escape.hpp"
#include "agent/formats/format.hpp"
#include "agent/formats/outcome.hpp"
#include "probes/common/judge.hpp"
#include "probes/common/text.hpp"

using capprobe::agent::Report;
using capprobe::agent::TestOutcome;
using capprobe::probes::CapabilityResult;
using capprobe::probes::Status;
namespace escape = capprobe::agent::escape;
namespace text = capprobe::probes::text;

namespace {

CapabilityResult result(std::string id, Status status, std::string observed,
                        std::optional<bool> requested, std::string summary,
                        nlohmann::json evidence = nlohmann::json::object(),
                        std::int64_t duration_ms = 3) {
  CapabilityResult r;
  r.id = std::move(id);
  r.status = status;
  r.observed = std::move(observed);
  r.requested = requested;
  r.summary = std::move(summary);
  r.evidence = std::move(evidence);
  r.duration_ms = duration_ms;
  return r;
}

const std::string kHostile =
    "a <b> & \"c\" 'd'\ttab\nnew line\r\x01\x7f bell\x07 bad\xff utf8 é C1\xC2\x85\xC2\x9b "
    "nonchar\xEF\xBF\xBF";

Report sample_report() {
  Report report;
  report.report_id = "8d5f2f0a-1b2c-4d3e-8f40-5a6b7c8d9e0f";
  report.agent_version = "0.1.0";
  report.agent_mode = "oneshot";
  report.subject.node = "worker-3 \"east\\1\"";
  report.subject.pod = "capprobe/capprobe-x7k2p";
  report.subject.container = "probe";
  report.subject.runtime_class = "kata";
  report.subject.os = "linux";
  report.subject.arch = "amd64";
  report.subject.os_version = "Debian GNU/Linux 12";
  report.subject.kernel = "6.1.0-18-amd64";
  report.subject.environment = "vm_guest";
  report.started_at = "2026-11-24T10:00:00Z";
  report.duration_ms = 1240;
  report.results = {
      result("fs.symlink", Status::supported, "ok", std::nullopt, "symlinks work in /tmp",
             {{"locations", {{{"path", "/tmp"}, {"file_absolute", "ok"}}}}}, 2),
      result("fs.readonly_root", Status::partial, "writable", false, "partial: " + kHostile,
             {{"write_errno", nullptr}, {"note", kHostile}}, 1),
      result("host.pid", Status::unsupported, "isolated", true,
             std::string(capprobe::probes::kIgnoredPrefix) +
                 "hostPID was requested but is not in effect: pid 1 is /pause <x>",
             {{"namespace", "pid:[4026532301]"}, {"pid1_comm", "pause"}}, 2),
      result("host.network", Status::unsupported, "isolated", false,
             "own network namespace; hostNetwork was not requested",
             {{"namespace", "net:[4026532305]"}}, 1),
      result("resources.memory_limit", Status::untested, "no_limit", std::nullopt,
             "no memory limit is set", {{"limit_bytes", nullptr}, {"nested", {{"a", {1, 2}}}}}, 0),
      result("platform.os", Status::not_applicable, "linux", std::nullopt,
             "Windows release names do not apply", nlohmann::json::object(), 0),
      result("security.identity", Status::error, "error", std::nullopt,
             "the probe failed: boom & <crash>", nlohmann::json::object(), 2000),
      result("security.confinement", Status::supported, "seccomp+apparmor", std::nullopt,
             "seccomp filter mode; AppArmor docker-default (enforce)",
             {{"lsm", "apparmor"}, {"empty_list", nlohmann::json::array()}}, 1),
      result("host.ipc", Status::unsupported, "isolated", true,
             "hostIPC asked for, yet the IPC namespace is the pod's own",
             {{"namespace", "ipc:[4026532299]"}}, 1),
      result("topology.numa", Status::untested, "single_node", false,
             "one NUMA node; nothing to restrict", {{"node_count", 1}}, 1),
      result("security.identity.long", Status::supported, std::string(70, 'x'), std::nullopt,
             "an observed value longer than a label value may be", nlohmann::json::object(), 1),
  };
  return report;
}

bool valid_utf8(const std::string& s) {
  return escape::utf8(s) == s;
}

}  // namespace

// --- escaping ----------------------------------------------------------------------------

TEST_CASE("xml escaping: markup characters, control characters and invalid UTF-8") {
  struct Case {
    std::string input;
    std::string text;       // escaped as element content
    std::string attribute;  // escaped as an attribute value
  };
  const std::string fffd = "\xEF\xBF\xBD";
  const std::vector<Case> cases = {
      {"<a & b>", "&lt;a &amp; b&gt;", "&lt;a &amp; b&gt;"},
      {"\"q\" 'a'", "\"q\" 'a'", "&quot;q&quot; &apos;a&apos;"},
      {"<>&\"'", "&lt;&gt;&amp;\"'", "&lt;&gt;&amp;&quot;&apos;"},
      {"t\tn\nr\r", "t\tn\nr&#13;", "t&#9;n&#10;r&#13;"},
      {std::string("nul\0x", 5), "nul" + fffd + "x", "nul" + fffd + "x"},
      {"\x01\x1f\x7f", fffd + fffd + "\x7f", fffd + fffd + "\x7f"},
      {"é ✓ 😀", "é ✓ 😀", "é ✓ 😀"},
      {"\xff", fffd, fffd},
      {"\xC0\xAF", fffd + fffd, fffd + fffd},                    // overlong '/'
      {"\xED\xA0\x80", fffd + fffd + fffd, fffd + fffd + fffd},  // a UTF-16 surrogate
      {"\xE2\x82", fffd + fffd, fffd + fffd},                    // truncated
      {"\xEF\xBF\xBE", fffd, fffd},                              // U+FFFE: not an XML character
      {"", "", ""},
  };
  for (const auto& c : cases) {
    INFO(c.input);
    CHECK(escape::xml(c.input) == c.text);
    CHECK(escape::xml(c.input, true) == c.attribute);
    CHECK(valid_utf8(escape::xml(c.input)));
  }
}

TEST_CASE("prometheus escaping of label values and help text") {
  CHECK(escape::prometheus_label("a\\b\"c\nd") == "a\\\\b\\\"c\\nd");
  CHECK(escape::prometheus_label("plain") == "plain");
  CHECK(escape::prometheus_help("x\\y\n\"z\"") == "x\\\\y\\n\"z\"");
  CHECK(valid_utf8(escape::prometheus_label("bad\xff")));
}

TEST_CASE("Kubernetes label values and names") {
  struct Case {
    std::string text;
    bool value, name;
  };
  const std::vector<Case> cases = {
      {"supported", true, true},
      {"not_applicable", true, true},
      {"vm_guest", true, true},
      {"fs.symlink.observed", true, true},
      {"", true, false},
      {std::string(63, 'a'), true, true},
      {std::string(64, 'a'), false, false},
      {"uid:1000", false, false},
      {"seccomp+apparmor", false, false},
      {"-x", false, false},
      {"x-", false, false},
      {"_x", false, false},
      {"a b", false, false},
      {"é", false, false},
      {"A-1_b.C", true, true},
  };
  for (const auto& c : cases) {
    INFO(c.text);
    CHECK(escape::is_label_value(c.text) == c.value);
    CHECK(escape::is_label_name(c.text) == c.name);
  }
}

TEST_CASE("json strings survive invalid UTF-8 and control characters") {
  const auto quoted = escape::json_string("a\"b\n\x01\xff");
  CHECK(nlohmann::json::parse(quoted).get<std::string>() == "a\"b\n\x01\xEF\xBF\xBD");
  CHECK(escape::json(nlohmann::json{{"k", "\xff"}}) == "{\"k\":\"\xEF\xBF\xBD\"}");
}

TEST_CASE("test outcomes: only ignored requests fail, errors error, untested skips") {
  const auto report = sample_report();
  const std::map<std::string, TestOutcome> expected = {
      {"fs.symlink", TestOutcome::passed},
      {"fs.readonly_root", TestOutcome::passed},
      {"host.pid", TestOutcome::failed},
      {"host.network", TestOutcome::passed},  // unsupported, but nobody asked for it
      {"resources.memory_limit", TestOutcome::skipped},
      {"platform.os", TestOutcome::skipped},
      {"security.identity", TestOutcome::errored},
      {"security.confinement", TestOutcome::passed},
      {"security.identity.long", TestOutcome::passed},
      {"host.ipc", TestOutcome::failed},
      {"topology.numa", TestOutcome::skipped},
  };
  for (const auto& r : report.results) {
    INFO(r.id);
    CHECK(capprobe::agent::test_outcome(r) == expected.at(r.id));
  }
  CHECK(capprobe::agent::sonobuoy_status(TestOutcome::errored) == "failed");
}

// --- junit -------------------------------------------------------------------------------

TEST_CASE("junit: a well-formed document whose counts add up") {
  namespace pt = boost::property_tree;
  const auto report = sample_report();
  const auto xml = capprobe::agent::render_junit(report);
  INFO(xml);
  CHECK(valid_utf8(xml));
  for (const char c : xml) {  // no character XML 1.0 forbids
    const auto byte = static_cast<unsigned char>(c);
    CHECK((byte >= 0x20 || c == '\n' || c == '\t'));
  }
  pt::ptree tree;
  std::istringstream in(xml);
  REQUIRE_NOTHROW(pt::read_xml(in, tree));

  const auto& suites = tree.get_child("testsuites");
  const auto& suite = suites.get_child("testsuite");
  CHECK(suite.get<std::string>("<xmlattr>.hostname") == report.subject.node);
  CHECK(suite.get<std::string>("<xmlattr>.timestamp") == "2026-11-24T10:00:00");
  CHECK(suite.get<std::string>("<xmlattr>.time") == "1.240");
  int cases = 0, failures = 0, errors = 0, skipped = 0;
  std::map<std::string, std::string> kind;
  for (const auto& [name, node] : suite) {
    if (name != "testcase") continue;
    ++cases;
    const auto id = node.get<std::string>("<xmlattr>.name");
    kind[id] = "passed";
    if (node.count("failure")) ++failures, kind[id] = "failure";
    if (node.count("error")) ++errors, kind[id] = "error";
    if (node.count("skipped")) ++skipped, kind[id] = "skipped";
    // The whole result, evidence included, is JSON in system-out.
    const auto out = nlohmann::json::parse(node.get<std::string>("system-out"));
    CHECK(out["id"] == id);
    CHECK(out.contains("evidence"));
  }
  CHECK(cases == static_cast<int>(report.results.size()));
  for (const auto* counted : {&suites, &suite}) {
    CHECK(counted->get<int>("<xmlattr>.tests") == cases);
    CHECK(counted->get<int>("<xmlattr>.failures") == failures);
    CHECK(counted->get<int>("<xmlattr>.errors") == errors);
    CHECK(counted->get<int>("<xmlattr>.skipped") == skipped);
  }
  CHECK(failures == 2);
  CHECK(errors == 1);
  CHECK(skipped == 3);
  CHECK(kind["host.pid"] == "failure");
  CHECK(kind["host.network"] == "passed");
  CHECK(kind["security.identity"] == "error");
  CHECK(kind["platform.os"] == "skipped");

  for (const auto& [name, node] : suite) {
    if (name != "testcase") continue;
    const auto id = node.get<std::string>("<xmlattr>.name");
    if (id == "host.pid") {
      const auto message = node.get<std::string>("failure.<xmlattr>.message");
      CHECK(message.rfind("REQUESTED BUT IGNORED: ", 0) == 0);
      CHECK_THAT(message, Catch::Contains("pid 1 is /pause <x>"));  // unescaped by the parser
      CHECK(node.get<std::string>("failure.<xmlattr>.type") == "requested_but_ignored");
      CHECK(node.get<std::string>("<xmlattr>.classname") == "capprobe.host");
    }
    if (id == "host.ipc")  // a probe that did not use mark_ignored still reads as ignored
      CHECK(node.get<std::string>("failure.<xmlattr>.message") ==
            "REQUESTED BUT IGNORED: hostIPC asked for, yet the IPC namespace is the pod's own");
    if (id == "security.identity")
      CHECK(node.get<std::string>("error.<xmlattr>.message") == "the probe failed: boom & <crash>");
    if (id == "resources.memory_limit")
      CHECK(node.get<std::string>("skipped.<xmlattr>.message") ==
            "untested: no memory limit is set");
    if (id == "fs.readonly_root") {
      const auto out = nlohmann::json::parse(node.get<std::string>("system-out"));
      CHECK_THAT(out["summary"].get<std::string>(), Catch::Contains("a <b> & \"c\" 'd'"));
    }
  }
  std::map<std::string, std::string> properties;
  for (const auto& [name, node] : suite.get_child("properties"))
    properties[node.get<std::string>("<xmlattr>.name")] = node.get<std::string>("<xmlattr>.value");
  CHECK(properties["report_id"] == report.report_id);
  CHECK(properties["environment"] == "vm_guest");
  CHECK(properties["runtime_class"] == "kata");
}

TEST_CASE("junit: an empty report is still a valid suite") {
  namespace pt = boost::property_tree;
  Report report = sample_report();
  report.results.clear();
  const auto xml = capprobe::agent::render_junit(report);
  pt::ptree tree;
  std::istringstream in(xml);
  REQUIRE_NOTHROW(pt::read_xml(in, tree));
  CHECK(tree.get<int>("testsuites.<xmlattr>.tests") == 0);
}

// --- sonobuoy ----------------------------------------------------------------------------

namespace {

// Reads back the block-YAML subset render_sonobuoy writes (mappings, "- " sequences, JSON
// scalars, {} and []), failing on any line outside it, so the test proves both that the text
// is in the subset and that it carries the data.
class YamlSubset {
 public:
  explicit YamlSubset(const std::string& text) {
    for (const auto& line : text::lines(text)) lines_.push_back(line);
  }
  nlohmann::json parse() {
    auto value = node(0);
    if (at_ != lines_.size()) fail("trailing line");
    return value;
  }

 private:
  std::vector<std::string> lines_;
  std::size_t at_ = 0;

  [[noreturn]] void fail(const std::string& why) const {
    throw std::runtime_error(why + " at line " + std::to_string(at_ + 1) + ": " +
                             (at_ < lines_.size() ? lines_[at_] : "<end>"));
  }
  static std::size_t indent_of(const std::string& line) { return line.find_first_not_of(' '); }

  static nlohmann::json scalar(const std::string& text) { return nlohmann::json::parse(text); }

  // "key" or "\"quoted key\"" up to the ':' that ends it.
  static std::pair<std::string, std::string> split_key(const std::string& rest) {
    if (!rest.empty() && rest.front() == '"') {
      std::size_t end = 1;
      while (end < rest.size() && rest[end] != '"') end += rest[end] == '\\' ? 2 : 1;
      const auto key = nlohmann::json::parse(rest.substr(0, end + 1)).get<std::string>();
      return {key, rest.substr(end + 1)};
    }
    const auto colon = rest.find(':');
    return {rest.substr(0, colon), colon == std::string::npos ? "" : rest.substr(colon)};
  }

  nlohmann::json node(std::size_t indent) {
    if (at_ >= lines_.size()) fail("missing value");
    const auto& line = lines_[at_];
    if (indent_of(line) != indent) fail("unexpected indentation");
    return line.compare(indent, 2, "- ") == 0 ? sequence(indent) : mapping(indent);
  }

  nlohmann::json mapping(std::size_t indent) {
    auto out = nlohmann::json::object();
    while (at_ < lines_.size() && indent_of(lines_[at_]) == indent &&
           lines_[at_].compare(indent, 2, "- ") != 0) {
      entry(out, lines_[at_].substr(indent), indent);
    }
    return out;
  }

  void entry(nlohmann::json& out, const std::string& rest, std::size_t indent) {
    const auto [key, after] = split_key(rest);
    if (after.empty() || after.front() != ':') fail("no ':' after the key");
    if (out.contains(key)) fail("duplicate key " + key);
    ++at_;
    if (after == ":") {
      if (at_ < lines_.size() && lines_[at_].compare(indent, 2, "- ") == 0 &&
          indent_of(lines_[at_]) == indent)
        out[key] = sequence(indent);
      else
        out[key] = node(indent + 2);
    } else {
      if (after.compare(0, 2, ": ") != 0) fail("no space after ':'");
      out[key] = scalar(after.substr(2));
    }
  }

  nlohmann::json sequence(std::size_t indent) {
    auto out = nlohmann::json::array();
    while (at_ < lines_.size() && indent_of(lines_[at_]) == indent &&
           lines_[at_].compare(indent, 2, "- ") == 0) {
      const auto rest = lines_[at_].substr(indent + 2);
      const bool is_entry = !rest.empty() && (rest.front() == '"' || std::isalpha(rest.front()))
                                ? split_key(rest).second.rfind(":", 0) == 0
                                : false;
      if (rest.compare(0, 2, "- ") == 0) {
        lines_[at_] = std::string(indent + 2, ' ') + rest;  // "- - x": a nested sequence
        out.push_back(sequence(indent + 2));
      } else if (is_entry) {
        lines_[at_] = std::string(indent + 2, ' ') + rest;  // "- key: v": a mapping item
        out.push_back(mapping(indent + 2));
      } else {
        out.push_back(scalar(rest));
        ++at_;
      }
    }
    return out;
  }
};

}  // namespace

TEST_CASE("sonobuoy: the manual results tree, read back from its YAML") {
  const auto report = sample_report();
  const auto yaml = capprobe::agent::render_sonobuoy(report);
  INFO(yaml);
  CHECK(valid_utf8(yaml));
  // YAML's printable set: a stream with DEL, C1 controls, U+FFFE or U+FFFF is rejected whole.
  for (std::size_t i = 0; i < yaml.size(); ++i) {
    const auto byte = static_cast<unsigned char>(yaml[i]);
    CHECK((byte >= 0x20 || yaml[i] == '\n'));
    CHECK(byte != 0x7F);
    if (byte == 0xC2 && i + 1 < yaml.size()) {  // U+0080..U+00BF
      const auto next = static_cast<unsigned char>(yaml[i + 1]);
      CHECK((next < 0x80 || next > 0x9F || next == 0x85));
    }
    if (byte == 0xEF && i + 2 < yaml.size() && static_cast<unsigned char>(yaml[i + 1]) == 0xBF)
      CHECK(static_cast<unsigned char>(yaml[i + 2]) < 0xBE);
  }
  nlohmann::json tree;
  REQUIRE_NOTHROW(tree = YamlSubset(yaml).parse());
  CHECK(tree["name"] == "capprobe");
  CHECK(tree["status"] == "failed");  // host.pid was requested and ignored
  for (const auto& [key, value] : tree["meta"].items()) {
    INFO(key);
    CHECK(value.is_string());  // Sonobuoy's meta is map[string]string
  }
  CHECK(tree["meta"]["node"] == report.subject.node);
  REQUIRE(tree["items"].size() == report.results.size());
  std::map<std::string, nlohmann::json> items;
  for (const auto& item : tree["items"]) items[item["name"].get<std::string>()] = item;
  CHECK(items["fs.symlink"]["status"] == "passed");
  CHECK(items["host.pid"]["status"] == "failed");
  CHECK(items["host.pid"]["meta"]["requested_but_ignored"] == "true");
  CHECK(items["host.pid"]["details"]["failure"].get<std::string>().rfind("REQUESTED BUT IGNORED: ",
                                                                         0) == 0);
  CHECK(items["host.network"]["status"] == "passed");
  CHECK(items["host.network"]["meta"]["capprobe_status"] == "unsupported");
  CHECK(items["security.identity"]["status"] == "failed");
  CHECK(items["platform.os"]["status"] == "skipped");
  CHECK(items["resources.memory_limit"]["status"] == "skipped");
  CHECK(items["resources.memory_limit"]["meta"]["requested"] == "unknown");
  // Summaries and evidence come back exactly (invalid UTF-8 repaired), nested or empty.
  for (const auto& r : report.results) {
    INFO(r.id);
    CHECK(items[r.id]["details"]["summary"] == escape::utf8(r.summary));
    CHECK(items[r.id]["details"]["evidence"] == nlohmann::json::parse(escape::json(r.evidence)));
  }
}

TEST_CASE("sonobuoy: all passed, and an empty report") {
  auto report = sample_report();
  report.results = {report.results[0], report.results[4]};
  nlohmann::json tree = YamlSubset(capprobe::agent::render_sonobuoy(report)).parse();
  CHECK(tree["status"] == "passed");
  report.results.clear();
  tree = YamlSubset(capprobe::agent::render_sonobuoy(report)).parse();
  CHECK(tree["items"] == nlohmann::json::array());
}

// --- prometheus --------------------------------------------------------------------------

TEST_CASE("prometheus: every line follows the text exposition format 0.0.4") {
  const auto report = sample_report();
  const auto exposition = capprobe::agent::render_prometheus(report);
  INFO(exposition);
  CHECK(valid_utf8(exposition));
  REQUIRE(!exposition.empty());
  CHECK(exposition.back() == '\n');

  const std::string name = "[a-zA-Z_:][a-zA-Z0-9_:]*";
  const std::string label = "[a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\\\n]|\\\\[\\\\\"n])*\"";
  const std::regex help("# HELP (" + name + ") .*");
  const std::regex type("# TYPE (" + name + ") (counter|gauge|histogram|summary|untyped)");
  const std::regex sample("(" + name + ")(\\{(?:" + label + ")(?:," + label + ")*\\})? " +
                          "(-?[0-9]+(?:\\.[0-9]+)?(?:e[-+]?[0-9]+)?|NaN|[+-]Inf)");
  std::set<std::string> typed, finished, series;
  std::string current;
  std::map<std::string, std::map<std::string, std::string>> status_values;
  for (const auto& line : text::lines(exposition)) {
    INFO(line);
    std::smatch match;
    if (std::regex_match(line, match, help)) continue;
    if (std::regex_match(line, match, type)) {
      CHECK(typed.insert(match[1]).second);  // one TYPE per family
      if (!current.empty()) finished.insert(current);
      current = match[1];
      continue;
    }
    REQUIRE(std::regex_match(line, match, sample));
    CHECK(match[1] == current);  // a family's samples follow its TYPE, in one group
    CHECK(finished.count(match[1]) == 0);
    CHECK(series.insert(match[1].str() + match[2].str()).second);  // no duplicate series
  }
  CHECK(typed.count("capprobe_capability_status"));
  CHECK(typed.count("capprobe_capability_requested_ignored"));
  CHECK(typed.count("capprobe_probe_duration_seconds"));
  CHECK(typed.count("capprobe_report_timestamp_seconds"));
}

TEST_CASE("prometheus: one series per status word, the current one at 1") {
  const auto report = sample_report();
  const auto exposition = capprobe::agent::render_prometheus(report);
  const std::string labels =
      "node=\"worker-3 \\\"east\\\\1\\\"\",environment=\"vm_guest\",runtime_class=\"kata\"";
  const auto has = [&](const std::string& line) {
    INFO(line);
    CHECK_THAT(exposition, Catch::Contains("\n" + line + "\n"));
  };
  for (const char* status :
       {"supported", "partial", "unsupported", "untested", "not_applicable", "error"}) {
    has("capprobe_capability_status{" + labels + ",capability=\"host.pid\",status=\"" + status +
        "\"} " + (std::string(status) == "unsupported" ? "1" : "0"));
  }
  has("capprobe_capability_requested_ignored{" + labels + ",capability=\"host.pid\"} 1");
  has("capprobe_capability_requested_ignored{" + labels + ",capability=\"host.network\"} 0");
  has("capprobe_capability_requested{" + labels + ",capability=\"host.network\"} 0");
  CHECK_THAT(exposition, !Catch::Contains("capprobe_capability_requested{" + labels +
                                          ",capability=\"fs.symlink\"}"));
  has("capprobe_probe_duration_seconds{" + labels + ",capability=\"security.identity\"} 2");
  has("capprobe_probe_duration_seconds{" + labels + ",capability=\"fs.symlink\"} 0.002");
  has("capprobe_report_duration_seconds{" + labels + "} 1.24");
  has("capprobe_report_timestamp_seconds{" + labels + "} 1795514400");  // 2026-11-24T10:00:00Z
}

// Found by fuzz_formats (README, "Fuzzing"): ids were made unique before invalid UTF-8 was
// repaired in the label, so "\xff" and "\xfe" both became capability="\uFFFD" and every series
// of that capability appeared twice, which a Prometheus scrape refuses.
TEST_CASE("prometheus: ids alike once their invalid UTF-8 is repaired make one series") {
  Report report;
  report.subject.node = "n";
  CapabilityResult first;
  first.id = "fs.\xff";
  first.status = Status::supported;
  CapabilityResult second = first;
  second.id = "fs.\xfe";
  second.status = Status::unsupported;
  report.results = {first, second};
  const auto exposition = capprobe::agent::render_prometheus(report);
  std::set<std::string> series;
  for (const auto& line : text::lines(exposition)) {
    if (line.empty() || line.front() == '#') continue;
    INFO(line);
    CHECK(series.insert(line.substr(0, line.rfind(' '))).second);
  }
  CHECK_THAT(exposition, Catch::Contains("capability=\"fs.\xEF\xBF\xBD\",status=\"supported\"} 1"));
}

TEST_CASE("prometheus: the timestamp is derived from started_at or left out") {
  struct Case {
    const char* started_at;
    const char* value;  // nullptr: no timestamp series
  };
  const std::vector<Case> cases = {
      {"1970-01-01T00:00:00Z", "0"},
      {"2000-02-29T12:34:56Z", "951827696"},
      {"2026-11-24T11:00:00+01:00", "1795514400"},
      {"2026-11-24T09:30:00.5-00:30", "1795514400.5"},
      {"2026-11-24t10:00:00z", "1795514400"},
      {"2026-11-24 10:00:00Z", "1795514400"},
      {"", nullptr},
      {"2026-11-24T10:00:00", nullptr},  // no zone: ambiguous
      {"2026-13-24T10:00:00Z", nullptr},
      {"2026-11-24T10:00:00Zjunk", nullptr},
      {"yesterday", nullptr},
  };
  for (const auto& c : cases) {
    INFO(c.started_at);
    auto report = sample_report();
    report.started_at = c.started_at;
    const auto exposition = capprobe::agent::render_prometheus(report);
    const auto at = exposition.find("\ncapprobe_report_timestamp_seconds{");
    if (!c.value) {
      CHECK(at == std::string::npos);
      continue;
    }
    REQUIRE(at != std::string::npos);
    const auto end = exposition.find('\n', at + 1);
    const auto line = exposition.substr(at + 1, end - at - 1);
    CHECK(line.substr(line.rfind(' ') + 1) == c.value);
  }
}

// --- nfd ---------------------------------------------------------------------------------

TEST_CASE("nfd: valid label lines, the ignored flag, invalid values left out") {
  const auto report = sample_report();
  const auto file = capprobe::agent::render_nfd(report);
  INFO(file);
  const std::regex line_grammar(
      "capprobe\\.io/([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)="
      "(([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?)");
  std::map<std::string, std::string> labels;
  for (const auto& line : text::lines(file)) {
    INFO(line);
    if (line.rfind("#", 0) == 0) {
      CHECK(line.rfind("# +", 0) != 0);  // never an NFD directive
      continue;
    }
    std::smatch match;
    REQUIRE(std::regex_match(line, match, line_grammar));
    CHECK(labels.emplace(match[1], match[3]).second);  // each label once
  }
  CHECK(labels["fs.symlink"] == "supported");
  CHECK(labels["fs.symlink.observed"] == "ok");
  CHECK(labels["fs.readonly_root"] == "partial");
  CHECK(labels["host.pid"] == "unsupported");
  CHECK(labels["host.pid.ignored"] == "true");
  CHECK(labels.count("host.network.ignored") == 0);  // unsupported, but not requested
  CHECK(labels["platform.os"] == "not_applicable");
  CHECK(labels["security.identity"] == "error");
  CHECK(labels["resources.memory_limit.observed"] == "no_limit");
  // "seccomp+apparmor" and a 70-character value are no label values: left out, with a note.
  CHECK(labels.count("security.confinement.observed") == 0);
  CHECK(labels["security.confinement"] == "supported");
  CHECK(labels.count("security.identity.long.observed") == 0);
  CHECK_THAT(file, Catch::Contains("# left out: capprobe.io/security.confinement.observed"));
  CHECK(labels["host.ipc.ignored"] == "true");
  CHECK(labels.count("topology.numa.ignored") == 0);
  CHECK(labels.size() == 22);
}

// Found while writing fuzz_formats' NFD check (README, "Fuzzing"): only result ids were kept
// unique, so a result "fs.symlink" observing "shared" and a result "fs.symlink.observed" wrote
// the label capprobe.io/fs.symlink.observed twice, and NFD keeps only the last.
TEST_CASE("nfd: a label written once even when another result's id is this one's .observed") {
  Report report;
  CapabilityResult first;
  first.id = "fs.symlink";
  first.status = Status::supported;
  first.observed = "shared";
  CapabilityResult second;
  second.id = "fs.symlink.observed";
  second.status = Status::partial;
  report.results = {first, second};
  const auto file = capprobe::agent::render_nfd(report);
  INFO(file);
  std::set<std::string> names;
  for (const auto& line : text::lines(file)) {
    if (line.empty() || line.front() == '#') continue;
    CHECK(names.insert(line.substr(0, line.find('='))).second);
  }
  CHECK_THAT(file, Catch::Contains("\ncapprobe.io/fs.symlink.observed=shared\n"));
  CHECK_THAT(file, Catch::Contains("# left out: capprobe.io/fs.symlink.observed=partial, a label "
                                   "already written above"));
}

TEST_CASE("nfd: the header comment stays one line whatever the node is called") {
  auto report = sample_report();
  report.subject.node = "evil\nnode\r\n+expiry-time=2000-01-01T00:00:00Z";
  const auto file = capprobe::agent::render_nfd(report);
  for (const auto& line : text::lines(file)) {
    INFO(line);
    CHECK((line.rfind("# ", 0) == 0 || line.rfind("capprobe.io/", 0) == 0));
    CHECK(line.rfind("# +", 0) != 0);
  }
}

TEST_CASE("every format through render() dispatch, none throws on the hostile report") {
  using capprobe::agent::Format;
  const auto report = sample_report();
  for (const auto format : {Format::junit, Format::sonobuoy, Format::prometheus, Format::nfd}) {
    INFO(capprobe::agent::to_string(format));
    std::string out;
    REQUIRE_NOTHROW(out = capprobe::agent::render(report, format));
    CHECK_FALSE(out.empty());
    CHECK(valid_utf8(out));
  }
}
