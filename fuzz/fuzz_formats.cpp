// The output formats on a report of hostile strings: whatever goes in, what comes out parses
// back. The report is made from the input (FuzzedDataProvider), then
// - junit: parses as XML (libxml2, strict), one <testcase> per result, and every testcase name
//   and <property> value reads back as the string that went in (invalid UTF-8 and characters
//   XML cannot carry as U+FFFD);
// - prometheus: every line is a HELP, TYPE or sample line of text format 0.0.4, label values
//   unescape to the strings that went in (invalid UTF-8 as U+FFFD), no series appears twice;
// - nfd: every line is a comment or one `capprobe.io/<name>=<value>` label, names and values
//   valid Kubernetes label parts, no label twice;
// - the collector's HTML pages (matrix, subjects, node, error), for a report the collector
//   accepts: the same tags and attributes as for the report with every < > & " ' in its
//   strings replaced by '_' -- nothing the strings hold becomes markup.
#include <fuzzer/FuzzedDataProvider.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include <cctype>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "agent/formats/escape.hpp"
#include "agent/formats/format.hpp"
#include "agent/report.hpp"
#include "collector/fleet.hpp"
#include "collector/html.hpp"
#include "collector/matrix.hpp"
#include "collector/validate.hpp"
#include "fuzz/fuzz_check.hpp"

using namespace capprobe;

namespace {

constexpr const char* kIds[] = {
    "fs.symlink",         "fs.readonly_root",       "security.privileged",
    "host.pid_namespace", "resources.memory_limit", "isolation.kernel"};

std::string some_string(FuzzedDataProvider& input, std::size_t max_length = 48) {
  return input.ConsumeRandomLengthString(max_length);
}

agent::Report make_report(FuzzedDataProvider& input) {
  agent::Report report;
  report.report_id = some_string(input);
  report.agent_version = some_string(input);
  report.agent_mode = input.ConsumeBool() ? "agent" : some_string(input);
  auto& subject = report.subject;
  subject.node = some_string(input);
  if (input.ConsumeBool()) subject.pod = some_string(input);
  if (input.ConsumeBool()) subject.container = some_string(input);
  if (input.ConsumeBool()) subject.runtime_class = some_string(input);
  subject.os = input.ConsumeBool() ? "linux" : some_string(input);
  subject.arch = input.ConsumeBool() ? "amd64" : some_string(input);
  subject.os_version = some_string(input);
  subject.kernel = some_string(input);
  subject.environment = input.ConsumeBool() ? "container" : some_string(input);
  report.started_at = input.ConsumeBool() ? "2026-11-24T10:00:00Z" : some_string(input, 40);
  report.duration_ms = input.ConsumeIntegral<std::int64_t>();
  const auto count = input.ConsumeIntegralInRange<int>(0, 8);
  for (int i = 0; i < count; ++i) {
    probes::CapabilityResult result;
    // Ids alike are where formats that key on them can go wrong: a catalog id, any text, an
    // earlier id with something after it ("fs.symlink" and "fs.symlink.observed"), or an earlier
    // id with one byte changed.
    switch (report.results.empty() ? input.ConsumeIntegralInRange<int>(0, 1)
                                   : input.ConsumeIntegralInRange<int>(0, 3)) {
      case 0:
        result.id = input.PickValueInArray(kIds);
        break;
      case 1:
        result.id = some_string(input);
        break;
      case 2:
        result.id = report.results.back().id + some_string(input, 16);
        break;
      default:
        result.id = report.results.back().id;
        if (!result.id.empty())
          result.id[input.ConsumeIntegralInRange<std::size_t>(0, result.id.size() - 1)] =
              input.ConsumeIntegral<char>();
        break;
    }
    result.status = static_cast<probes::Status>(input.ConsumeIntegralInRange<int>(0, 5));
    result.observed = some_string(input);
    const int requested = input.ConsumeIntegralInRange<int>(0, 2);
    if (requested < 2) result.requested = requested == 1;
    result.summary = some_string(input, 128);
    result.evidence = {{"fact", some_string(input)}};
    result.duration_ms = input.ConsumeIntegral<std::int64_t>();
    report.results.push_back(std::move(result));
  }
  return report;
}

// The strings a parser reads back: invalid UTF-8 repaired, and for XML the characters it cannot
// carry (C0 controls but tab, newline, carriage return; U+FFFE, U+FFFF) as U+FFFD.
std::string as_xml_reads_it(const std::string& text) {
  const auto repaired = agent::escape::utf8(text);
  std::string out;
  for (std::size_t at = 0; at < repaired.size(); ++at) {
    const auto c = static_cast<unsigned char>(repaired[at]);
    if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
      out += "\xEF\xBF\xBD";
    } else if (c == 0xEF && repaired.compare(at, 2, "\xEF\xBF") == 0 && at + 2 < repaired.size() &&
               (static_cast<unsigned char>(repaired[at + 2]) == 0xBE ||
                static_cast<unsigned char>(repaired[at + 2]) == 0xBF)) {
      out += "\xEF\xBF\xBD";
      at += 2;
    } else {
      out += repaired[at];
    }
  }
  return out;
}

std::string attribute(xmlNode* node, const char* name) {
  xmlChar* value = xmlGetProp(node, reinterpret_cast<const xmlChar*>(name));
  fuzz::check(value != nullptr, "junit: an attribute is missing", name);
  std::string out(reinterpret_cast<const char*>(value));
  xmlFree(value);
  return out;
}

std::vector<xmlNode*> children(xmlNode* node, const char* name) {
  std::vector<xmlNode*> out;
  for (xmlNode* child = node ? node->children : nullptr; child; child = child->next)
    if (child->type == XML_ELEMENT_NODE &&
        xmlStrcmp(child->name, reinterpret_cast<const xmlChar*>(name)) == 0)
      out.push_back(child);
  return out;
}

void check_junit(const agent::Report& report) {
  const auto xml = agent::render_junit(report);
  xmlDoc* doc = xmlReadMemory(xml.data(), static_cast<int>(xml.size()), "junit.xml", nullptr,
                              XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
  if (!doc) {
    const xmlError* error = xmlGetLastError();
    fuzz::fail(
        "junit: the document does not parse as XML",
        (error && error->message ? std::string(error->message) : std::string()) + "\n" + xml);
  }
  xmlNode* root = xmlDocGetRootElement(doc);
  const auto suites = root ? children(root, "testsuite") : std::vector<xmlNode*>{};
  fuzz::check(suites.size() == 1, "junit: not one <testsuite>", xml);
  const auto cases = children(suites[0], "testcase");
  fuzz::check(cases.size() == report.results.size(), "junit: not one <testcase> per result", xml);
  for (std::size_t i = 0; i < cases.size(); ++i)
    fuzz::check(attribute(cases[i], "name") == as_xml_reads_it(report.results[i].id),
                "junit: a testcase name does not read back", xml);
  const auto properties = children(children(suites[0], "properties").at(0), "property");
  std::map<std::string, std::string> values;
  for (auto* property : properties)
    values[attribute(property, "name")] = attribute(property, "value");
  fuzz::check(values["node"] == as_xml_reads_it(report.subject.node),
              "junit: node does not read back", xml);
  fuzz::check(values["kernel"] == as_xml_reads_it(report.subject.kernel),
              "junit: kernel does not read back", xml);
  fuzz::check(values["report_id"] == as_xml_reads_it(report.report_id),
              "junit: report_id does not read back", xml);
  fuzz::check(attribute(suites[0], "hostname") == as_xml_reads_it(report.subject.node),
              "junit: hostname does not read back", xml);
  xmlFreeDoc(doc);
}

bool valid_utf8(std::string_view text) {
  return agent::escape::utf8(text) == text;
}

bool metric_name(std::string_view name) {
  if (name.empty()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool ok = std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == ':' ||
                    (i > 0 && std::isdigit(static_cast<unsigned char>(c)));
    if (!ok) return false;
  }
  return true;
}

// Text format 0.0.4, as expfmt's parser reads it (the part capprobe writes).
void check_prometheus(const agent::Report& report) {
  const auto text = agent::render_prometheus(report);
  fuzz::check(valid_utf8(text), "prometheus: not valid UTF-8", text);
  fuzz::check(text.empty() || text.back() == '\n', "prometheus: the last line has no newline");
  std::set<std::string> series;
  std::set<std::string> capabilities;
  std::map<std::string, std::string> info;
  std::size_t at = 0;
  while (at < text.size()) {
    const auto end = text.find('\n', at);
    const std::string_view line(text.data() + at, end - at);
    at = end + 1;
    if (line.starts_with("# HELP ") || line.starts_with("# TYPE ")) {
      const auto rest = line.substr(7);
      const auto name = rest.substr(0, rest.find(' '));
      fuzz::check(metric_name(name), "prometheus: a bad metric name in HELP/TYPE",
                  std::string(line));
      if (line.starts_with("# TYPE "))
        fuzz::check(rest.substr(name.size()) == " gauge", "prometheus: a bad TYPE",
                    std::string(line));
      continue;
    }
    const auto brace = line.find('{');
    fuzz::check(brace != std::string_view::npos, "prometheus: a sample without labels",
                std::string(line));
    const auto name = line.substr(0, brace);
    fuzz::check(metric_name(name), "prometheus: a bad metric name", std::string(line));
    std::size_t i = brace + 1;
    std::map<std::string, std::string> labels;
    while (true) {
      fuzz::check(i < line.size(), "prometheus: a sample line ends in its labels",
                  std::string(line));
      if (line[i] == '}') break;
      const auto equals = line.find("=\"", i);
      fuzz::check(equals != std::string_view::npos, "prometheus: a label without a value",
                  std::string(line));
      const std::string label(line.substr(i, equals - i));
      fuzz::check(metric_name(label) && label.find(':') == std::string::npos,
                  "prometheus: a bad label name", std::string(line));
      std::string value;
      for (i = equals + 2;; ++i) {
        fuzz::check(i < line.size(), "prometheus: a label value is not closed", std::string(line));
        const char c = line[i];
        if (c == '"') break;
        if (c == '\\') {
          fuzz::check(i + 1 < line.size(), "prometheus: a dangling backslash", std::string(line));
          const char e = line[++i];
          fuzz::check(e == '\\' || e == '"' || e == 'n', "prometheus: an unknown escape",
                      std::string(line));
          value += e == 'n' ? '\n' : e;
        } else {
          value += c;
        }
      }
      fuzz::check(labels.emplace(label, value).second, "prometheus: a label twice",
                  std::string(line));
      ++i;
      if (i < line.size() && line[i] == ',') ++i;
    }
    const auto sample = line.substr(i + 1);
    fuzz::check(sample.starts_with(' ') && sample.size() > 1, "prometheus: no value",
                std::string(line));
    const std::string number(sample.substr(1));
    char* parsed_end = nullptr;
    std::strtod(number.c_str(), &parsed_end);
    fuzz::check(parsed_end && *parsed_end == '\0', "prometheus: the value is not a number",
                std::string(line));
    std::string key(name);
    for (const auto& [label, value] : labels) key += "\x1f" + label + "=" + value;
    fuzz::check(series.insert(key).second, "prometheus: a series appears twice", std::string(line));
    fuzz::check(labels["node"] == agent::escape::utf8(report.subject.node),
                "prometheus: node does not read back", std::string(line));
    if (labels.count("capability")) capabilities.insert(labels["capability"]);
    if (name == "capprobe_info") info = labels;
  }
  std::set<std::string> ids;
  for (const auto& result : report.results) ids.insert(agent::escape::utf8(result.id));
  fuzz::check(capabilities == ids, "prometheus: the capability labels are not the result ids",
              text);
  fuzz::check(info["kernel"] == agent::escape::utf8(report.subject.kernel) &&
                  info["version"] == agent::escape::utf8(report.agent_version),
              "prometheus: capprobe_info does not read back", text);
}

bool label_part(std::string_view text) {
  if (text.empty() || text.size() > 63) return false;
  const auto alnum = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; };
  if (!alnum(text.front()) || !alnum(text.back())) return false;
  for (const char c : text)
    if (!alnum(c) && c != '-' && c != '_' && c != '.') return false;
  return true;
}

// A features.d file as nfd-worker reads it: line by line, '#' lines ignored, the others
// `name=value` (a value may be empty), the name "capprobe.io/<label name>".
void check_nfd(const agent::Report& report) {
  const auto text = agent::render_nfd(report);
  fuzz::check(text.empty() || text.back() == '\n', "nfd: the last line has no newline");
  std::set<std::string> labels;
  std::size_t at = 0;
  while (at < text.size()) {
    const auto end = text.find('\n', at);
    const std::string_view line(text.data() + at, end - at);
    at = end + 1;
    fuzz::check(line.find('\r') == std::string_view::npos, "nfd: a carriage return in a line",
                std::string(line));
    if (line.starts_with('#')) {
      fuzz::check(!line.starts_with("# +"), "nfd: a comment reads as a directive",
                  std::string(line));
      continue;
    }
    const auto equals = line.find('=');
    fuzz::check(equals != std::string_view::npos, "nfd: a line is neither a comment nor a label",
                std::string(line));
    const auto name = line.substr(0, equals);
    const auto value = line.substr(equals + 1);
    fuzz::check(name.starts_with("capprobe.io/") && label_part(name.substr(12)),
                "nfd: an invalid label name", std::string(line));
    fuzz::check(value.empty() || label_part(value), "nfd: an invalid label value",
                std::string(line));
    fuzz::check(labels.insert(std::string(name)).second, "nfd: a label appears twice", text);
  }
}

// Each tag with its attribute names, in order: what the page's markup is, whatever the text.
std::vector<std::string> markup(std::string_view html) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while ((i = html.find('<', i)) != std::string_view::npos) {
    if (html.substr(i).starts_with("<!--")) {
      const auto end = html.find("-->", i);
      out.push_back("<!--");
      if (end == std::string_view::npos) break;
      i = end + 3;
      continue;
    }
    ++i;
    std::string tag = "<";
    while (i < html.size() &&
           (std::isalnum(static_cast<unsigned char>(html[i])) || html[i] == '/' || html[i] == '!'))
      tag += static_cast<char>(std::tolower(static_cast<unsigned char>(html[i++])));
    while (i < html.size() && html[i] != '>') {
      if (std::isspace(static_cast<unsigned char>(html[i])) || html[i] == '/') {
        ++i;
        continue;
      }
      std::string name;
      while (i < html.size() && !std::isspace(static_cast<unsigned char>(html[i])) &&
             html[i] != '=' && html[i] != '>' && html[i] != '/')
        name += static_cast<char>(std::tolower(static_cast<unsigned char>(html[i++])));
      tag += " " + name;
      if (i < html.size() && html[i] == '=') {
        ++i;
        if (i < html.size() && (html[i] == '"' || html[i] == '\'')) {
          const char quote = html[i];
          const auto close = html.find(quote, i + 1);
          i = close == std::string_view::npos ? html.size() : close + 1;
        } else {
          while (i < html.size() && !std::isspace(static_cast<unsigned char>(html[i])) &&
                 html[i] != '>')
            ++i;
        }
      }
    }
    out.push_back(tag);
  }
  return out;
}

void defang(std::string& text) {
  for (char& c : text)
    if (c == '<' || c == '>' || c == '&' || c == '"' || c == '\'') c = '_';
}

agent::Report defanged(agent::Report report) {
  defang(report.report_id);
  defang(report.agent_version);
  defang(report.agent_mode);
  auto& s = report.subject;
  for (auto* text :
       {&s.node, &s.os, &s.arch, &s.os_version, &s.kernel, &s.environment, &report.started_at})
    defang(*text);
  for (auto* text : {&s.pod, &s.container, &s.runtime_class})
    if (*text) defang(**text);
  for (auto& result : report.results) {
    defang(result.id);
    defang(result.observed);
    defang(result.summary);
    if (result.evidence.contains("fact")) {
      auto fact = result.evidence["fact"].get<std::string>();
      defang(fact);
      result.evidence["fact"] = fact;
    }
  }
  return report;
}

// The collector's pages for this report, as it would serve them once it accepted it; empty when
// it would refuse the report.
std::vector<std::string> pages(const agent::Report& report) {
  const auto body = agent::escape::json(agent::to_json(report));
  const auto validated = collector::validate_report(std::string_view(body));
  const auto* incoming = std::get_if<collector::IncomingReport>(&validated);
  if (!incoming) return {};
  constexpr std::int64_t now = 1795000000000;
  const auto state = collector::subject_state(*incoming, 1, now);
  const std::vector<const collector::SubjectState*> subjects{&state};
  const auto matrix = collector::compute_matrix(subjects, now, std::chrono::seconds(3600), true);
  collector::SubjectFilter filter;
  if (!incoming->results.empty()) filter.capability = incoming->results[0].id;
  filter.group = report.subject.os_version;  // from the query string: any text
  collector::NodeSubjectView view{state, false, nlohmann::json::parse(body)};
  return {collector::render_matrix_page(matrix),
          collector::render_subjects_page(subjects, filter, now, std::chrono::seconds(3600)),
          collector::render_node_page(report.subject.node, {view},
                                      {{report.report_id, now, incoming->subject_json}}, now),
          collector::render_error_page("bad request", report.subject.kernel),
          collector::render_not_found_page(report.subject.os_version)};
}

void check_html(const agent::Report& report) {
  const auto hostile = pages(report);
  if (hostile.empty()) return;
  const auto benign = pages(defanged(report));
  if (benign.empty()) return;  // '_' made a name the collector refuses: nothing to compare
  for (std::size_t i = 0; i < hostile.size(); ++i)
    fuzz::check(markup(hostile[i]) == markup(benign[i]),
                "html: the report's strings changed the page's markup", hostile[i]);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  xmlInitParser();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider input(data, size);
  const auto report = make_report(input);
  // CAPPROBE_FUZZ_PRINT=1: the report an input makes, to read a finding or write a seed.
  static const bool print = std::getenv("CAPPROBE_FUZZ_PRINT") != nullptr;
  if (print) std::fprintf(stderr, "%s\n", agent::escape::json(agent::to_json(report), 2).c_str());
  check_junit(report);
  check_prometheus(report);
  check_nfd(report);
  check_html(report);
  return 0;
}
