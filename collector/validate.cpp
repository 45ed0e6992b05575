// Report validation: simdjson's DOM parser reads and fully validates the body (UTF-8, escapes,
// numbers, structure, nesting, nothing after the value), then the few fields the collector keeps
// are read from that DOM and checked. Parsing is most of a report's CPU cost, and simdjson does it
// an order of magnitude faster than nlohmann. A body it refuses is read again by nlohmann only to
// say where it is wrong (line and column), which simdjson does not tell.
#include "collector/validate.hpp"

#include <algorithm>
#include <bit>
#include <cstdint>
#include <new>
#include <optional>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include <simdjson.h>
#include <nlohmann/json.hpp>

#include "collector/display_name.hpp"

namespace capprobe::collector {
namespace {

namespace dom = simdjson::dom;
using nlohmann::json;

static_assert(kParsePadding >= simdjson::SIMDJSON_PADDING);

enum class Kind { null, boolean, integer, floating, string, object, array };

const char* kind_name(Kind kind) {
  switch (kind) {
    case Kind::null:
      return "null";
    case Kind::boolean:
      return "a boolean";
    case Kind::integer:
      return "an integer";
    case Kind::floating:
      return "a number";
    case Kind::string:
      return "a string";
    case Kind::object:
      return "an object";
    case Kind::array:
      return "an array";
  }
  return "a value";
}

Kind kind_of(dom::element element) {
  switch (element.type()) {
    case dom::element_type::ARRAY:
      return Kind::array;
    case dom::element_type::OBJECT:
      return Kind::object;
    case dom::element_type::INT64:
    case dom::element_type::UINT64:
      return Kind::integer;
    case dom::element_type::DOUBLE:
      return Kind::floating;
    case dom::element_type::STRING:
      return Kind::string;
    case dom::element_type::BOOL:
      return Kind::boolean;
    case dom::element_type::NULL_VALUE:
      return Kind::null;
  }
  return Kind::null;
}

// A field as it arrived: absent, null, or a value of one JSON type. Text points into the
// thread's parser and lives until its next parse.
struct Field {
  bool present = false;
  Kind kind = Kind::null;
  std::string_view text;
  bool boolean = false;
  bool negative = false;
  dom::element element;
};

Field field_of(dom::element element) {
  Field field;
  field.present = true;
  field.kind = kind_of(element);
  field.element = element;
  if (field.kind == Kind::string) field.text = element.get_string().value_unsafe();
  if (field.kind == Kind::boolean) field.boolean = element.get_bool().value_unsafe();
  // Larger than INT64_MAX is an unsigned value, not a negative one.
  if (element.type() == dom::element_type::INT64)
    field.negative = element.get_int64().value_unsafe() < 0;
  return field;
}

// The member `key` of an object. A key given twice counts with its last value, as nlohmann's
// DOM (and so agent::report_from_json) reads it.
Field member(const Field& object, std::string_view key) {
  Field found;
  if (!object.present || object.kind != Kind::object) return found;
  const dom::object fields = object.element.get_object().value_unsafe();
  for (const auto [name, value] : fields)
    if (name == key) found = field_of(value);
  return found;
}

Rejection nesting() {
  return Rejection{RejectReason::invalid_report,
                   "the report nests deeper than " + std::to_string(kMaxDepth) + " levels"};
}

// Reads a body simdjson refused, with nlohmann's SAX parser and the same depth rule, for what
// simdjson cannot tell: where the body goes wrong (line and column), and whether too deep a
// nesting or a syntax error comes first in it.
class SyntaxCheck final : public nlohmann::json_sax<json> {
 public:
  std::optional<Rejection> failure;

  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool string(string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }
  bool key(string_t&) override { return true; }
  bool start_object(std::size_t) override { return open(); }
  bool end_object() override { return close(); }
  bool start_array(std::size_t) override { return open(); }
  bool end_array() override { return close(); }

  bool parse_error(std::size_t, const std::string&,
                   const nlohmann::detail::exception& error) override {
    std::string what = error.what();
    // "[json.exception.parse_error.101] parse error at line 1, ..." -> "parse error at line 1, ..."
    if (const auto bracket = what.find("] ");
        what.rfind("[json.exception", 0) == 0 && bracket != std::string::npos)
      what = what.substr(bracket + 2);
    failure = Rejection{RejectReason::invalid_json, "the body is not valid JSON: " + what};
    return false;
  }

 private:
  bool open() {
    if (depth_ >= kMaxDepth) {
      failure = nesting();
      return false;
    }
    ++depth_;
    return true;
  }
  bool close() {
    --depth_;
    return true;
  }

  int depth_ = 0;
};

// Why simdjson refused `text`, in nlohmann's words when it also refuses it.
Rejection refusal(std::string_view text, simdjson::error_code code) {
  SyntaxCheck check;
  const bool parsed = json::sax_parse(text.begin(), text.end(), &check);
  if (check.failure) return *check.failure;
  if (!parsed) return Rejection{RejectReason::invalid_json, "the body is not valid JSON"};
  // nlohmann reads an integer beyond 64 bits as an approximate double; simdjson refuses it, and
  // so does the collector rather than store a value that no reader can take exactly.
  if (code == simdjson::NUMBER_ERROR)
    return Rejection{RejectReason::invalid_json,
                     "the body is not valid JSON: a number is out of range (integers must fit in "
                     "64 bits)"};
  return Rejection{RejectReason::invalid_json,
                   std::string("the body is not valid JSON: ") + simdjson::error_message(code)};
}

// One parser per thread, reused: it keeps its buffers, sized for the largest body seen (rounded
// up to a power of two so that bodies growing by a few bytes do not reallocate each time).
struct ThreadParser {
  dom::parser parser;
  dom::document document;
  std::size_t capacity = 0;

  simdjson::simdjson_result<dom::element> parse(const char* data, std::size_t size, bool padded) {
    if (size > capacity) {
      const std::size_t wanted = std::bit_ceil(std::max<std::size_t>(size, 64 * 1024));
      if (parser.allocate(wanted, kMaxDepth) != simdjson::SUCCESS ||
          document.allocate(wanted) != simdjson::SUCCESS)
        throw std::bad_alloc();
      capacity = wanted;
    }
    return parser.parse_into_document(document, data, size, !padded);
  }
};

struct Invalid {
  RejectReason reason;
  std::string message;
};

// A field's name for messages ("subject.node", "results[3].status"), spelled out only when a
// message needs it: building one for every field of every result cost more than the checks.
struct Name {
  Name(const char* envelope_field) : field(envelope_field) {}
  Name(const char* result_field, std::size_t result_index)
      : field(result_field), result(result_index) {}

  std::string operator+(std::string_view rest) const {
    std::string text;
    if (result) {
      text.append("results[").append(std::to_string(*result)).append("].");
    }
    text.append(field).append(rest);
    return text;
  }

  const char* field;
  std::optional<std::size_t> result;
};

[[noreturn]] void invalid(const std::string& message) {
  throw Invalid{RejectReason::invalid_report, message};
}

bool is_word(std::string_view text) {
  for (const char c : text) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-' || c == '.';
    if (!ok) return false;
  }
  return true;
}

void expect_type(const Field& field, const Name& name, Kind kind) {
  if (!field.present) invalid(name + " is missing");
  if (field.kind != kind) invalid(name + " must be " + kind_name(kind));
}

std::string_view take_string(const Field& field, const Name& name, std::size_t max_length) {
  expect_type(field, name, Kind::string);
  if (field.text.size() > max_length)
    invalid(name + " is longer than " + std::to_string(max_length) + " bytes");
  return field.text;
}

// A name that ends up in keys, URLs and pages: bounded, and displaying as itself.
std::string take_name(const Field& field, const Name& name) {
  const auto text = take_string(field, name, kMaxNameLength);
  if (const auto problem = display_problem(text)) invalid(name + " " + *problem);
  return std::string(text);
}

// Absent, null and "" all mean "not known"; any other text is a name, held to take_name's rule.
std::optional<std::string> take_optional_name(const Field& field, const Name& name) {
  if (!field.present || field.kind == Kind::null) return std::nullopt;
  if (field.kind != Kind::string) invalid(name + " must be a string or null");
  if (field.text.empty()) return std::nullopt;
  return take_name(field, name);
}

std::string take_word(const Field& field, const Name& name) {
  const auto text = take_string(field, name, 64);
  if (text.empty() || !is_word(text))
    invalid(name + " must be a short word of letters, digits, '_', '-', '.'");
  return std::string(text);
}

std::string_view take_optional_string(const Field& field, const Name& name,
                                      std::size_t max_length) {
  if (!field.present) return {};
  return take_string(field, name, max_length);
}

// A string kept in a column of its own (PostgreSQL's text ends at a NUL byte, so one would be
// stored cut short, or refused with the whole batch).
std::string_view take_column_text(const Field& field, const Name& name, std::size_t max_length) {
  const auto text = take_optional_string(field, name, max_length);
  if (text.find('\0') != std::string_view::npos) invalid(name + " contains U+0000");
  return text;
}

void check_duration(const Field& field, const Name& name, bool optional) {
  if (!field.present && optional) return;
  if (!field.present) invalid(name + " is missing");
  if (field.kind != Kind::integer || field.negative)
    invalid(name + " must be a non-negative integer");
}

// `seen`: the ids of the results before this one, sorted; they point into the parser.
ResultSummary read_result(const Field& entry, std::size_t index,
                          std::vector<std::string_view>& seen) {
  ResultSummary result;
  const auto id = take_string(member(entry, "id"), Name("id", index), kMaxIdLength);
  if (id.empty() || !is_word(id))
    invalid(Name("id", index) + " must be a capability id such as fs.symlink");
  const auto at = std::lower_bound(seen.begin(), seen.end(), id);
  if (at != seen.end() && *at == id)
    invalid(std::string("capability ").append(id).append(" appears twice"));
  seen.insert(at, id);
  result.id = std::string(id);
  const auto status_word = take_string(member(entry, "status"), Name("status", index), 64);
  const auto status = probes::status_from_string(status_word);
  if (!status)
    invalid(Name("status", index) + " \"" + std::string(status_word) +
            "\" is not one of supported, partial, unsupported, untested, not_applicable, error");
  result.status = *status;
  take_optional_string(member(entry, "observed"), Name("observed", index), 256);
  take_optional_string(member(entry, "summary"), Name("summary", index), 64 * 1024);
  const Field requested = member(entry, "requested");
  if (requested.present && requested.kind == Kind::boolean)
    result.requested = requested.boolean;
  else if (requested.present && requested.kind != Kind::null)
    invalid(Name("requested", index) + " must be true, false or null");
  const Field evidence = member(entry, "evidence");
  if (evidence.present && evidence.kind != Kind::object)
    invalid(Name("evidence", index) + " must be an object");
  check_duration(member(entry, "duration_ms"), Name("duration_ms", index), true);
  return result;
}

IncomingReport finish(const Field& root) {
  // The schema first: a report of another schema version fails for that reason, not for
  // whatever else its fields look like.
  const Field schema = member(root, "schema");
  if (!schema.present) throw Invalid{RejectReason::wrong_schema, "schema is missing"};
  if (schema.kind != Kind::string || schema.text != agent::kReportSchema)
    throw Invalid{
        RejectReason::wrong_schema,
        "unsupported schema " +
            (schema.kind == Kind::string ? json(std::string(schema.text))
                                               .dump(-1, ' ', false, json::error_handler_t::replace)
                                         : std::string("of type ") + kind_name(schema.kind)) +
            "; this collector accepts \"" + agent::kReportSchema + "\""};

  IncomingReport report;
  report.report_id = std::string(take_string(member(root, "report_id"), "report_id", kMaxIdLength));
  if (report.report_id.empty() || !is_word(report.report_id))
    invalid("report_id must be 1-128 letters, digits, '_', '-' or '.'");

  const Field agent = member(root, "agent");
  expect_type(agent, "agent", Kind::object);
  take_string(member(agent, "version"), "agent.version", 64);
  take_string(member(agent, "mode"), "agent.mode", 64);

  const Field subject_field = member(root, "subject");
  expect_type(subject_field, "subject", Kind::object);
  agent::Subject& subject = report.subject;
  subject.node = take_name(member(subject_field, "node"), "subject.node");
  subject.pod = take_optional_name(member(subject_field, "pod"), "subject.pod");
  subject.container = take_optional_name(member(subject_field, "container"), "subject.container");
  subject.runtime_class =
      take_optional_name(member(subject_field, "runtime_class"), "subject.runtime_class");
  subject.os = take_word(member(subject_field, "os"), "subject.os");
  subject.arch = take_word(member(subject_field, "arch"), "subject.arch");
  subject.environment = take_word(member(subject_field, "environment"), "subject.environment");
  subject.os_version =
      take_column_text(member(subject_field, "os_version"), "subject.os_version", 256);
  subject.kernel = take_column_text(member(subject_field, "kernel"), "subject.kernel", 256);

  // Optional (reports from before it existed have none), but when there, as the agent's own
  // reader (report_from_json) needs it: an object whose source is a string.
  const Field pod_spec = member(root, "pod_spec");
  if (pod_spec.present) {
    expect_type(pod_spec, "pod_spec", Kind::object);
    take_string(member(pod_spec, "source"), "pod_spec.source", 64);
    take_optional_string(member(pod_spec, "detail"), "pod_spec.detail", 64 * 1024);
  }

  const auto started_at = take_string(member(root, "started_at"), "started_at", 64);
  const auto started_ms = parse_rfc3339_ms(started_at);
  if (!started_ms) invalid("started_at must be an RFC 3339 date-time such as 2026-11-24T10:00:00Z");
  report.started_at_ms = *started_ms;
  check_duration(member(root, "duration_ms"), "duration_ms", false);

  const Field results = member(root, "results");
  expect_type(results, "results", Kind::array);
  const auto entries = results.element.get_array().value_unsafe();
  std::size_t count = 0;
  for (const dom::element entry : entries) {
    if (entry.type() != dom::element_type::OBJECT)
      invalid("results[" + std::to_string(count) + "] must be an object");
    ++count;
  }
  if (count > kMaxResults)
    invalid("results holds more than " + std::to_string(kMaxResults) + " entries");
  std::vector<std::string_view> seen;
  seen.reserve(count);
  report.results.reserve(count);
  std::size_t index = 0;
  for (const dom::element entry : entries)
    report.results.push_back(read_result(field_of(entry), index++, seen));

  report.subject_key = subject_key(subject);
  const auto optional = [](const std::optional<std::string>& value) {
    return value ? json(*value) : json(nullptr);
  };
  report.subject_json = json{
      {"node", subject.node},
      {"pod", optional(subject.pod)},
      {"container", optional(subject.container)},
      {"runtime_class", optional(subject.runtime_class)},
      {"os", subject.os},
      {"arch", subject.arch},
      {"os_version", subject.os_version},
      {"kernel", subject.kernel},
      {"environment",
       subject.environment}}.dump();
  return report;
}

std::variant<IncomingReport, Rejection> validate(const char* data, std::size_t size,
                                                 std::size_t readable) {
  std::string_view text(data, size);
  // nlohmann skips a UTF-8 byte order mark, and so does the collector; simdjson would not.
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  thread_local ThreadParser parser;
  const auto parsed =
      parser.parse(text.data(), text.size(), readable - size >= simdjson::SIMDJSON_PADDING);
  if (parsed.error() == simdjson::MEMALLOC) throw std::bad_alloc();
  if (parsed.error()) return refusal(text, parsed.error());
  const Field root = field_of(parsed.value_unsafe());
  if (root.kind != Kind::object)
    return Rejection{RejectReason::invalid_report,
                     std::string("the report must be a JSON object, not ") + kind_name(root.kind)};
  try {
    return finish(root);
  } catch (const Invalid& error) {
    return Rejection{error.reason, error.message};
  }
}

}  // namespace

const char* reason_label(RejectReason reason) {
  switch (reason) {
    case RejectReason::invalid_json:
      return "invalid_json";
    case RejectReason::wrong_schema:
      return "wrong_schema";
    case RejectReason::invalid_report:
      return "invalid_report";
  }
  return "invalid_report";
}

std::string subject_key(const agent::Subject& subject) {
  std::string key = subject.node;
  for (const auto* part : {&subject.pod, &subject.container, &subject.runtime_class}) {
    key.push_back('\x1f');
    if (*part) key += **part;
  }
  return key;
}

std::variant<IncomingReport, Rejection> validate_report(const std::string& body) {
  return validate(body.data(), body.size(), body.capacity());
}

std::variant<IncomingReport, Rejection> validate_report(std::string_view body) {
  return validate(body.data(), body.size(), body.size());
}

}  // namespace capprobe::collector
