// Report validation in one streaming pass: nlohmann's SAX parser reads the body and an event
// handler keeps only the fields the collector needs, checking each one's type as it goes by.
// The evidence (most of a report's bytes) is syntax-checked but never built into a DOM: that
// halves the cost of a report, which is what bounds the ingest rate.
#include "collector/validate.hpp"

#include <chrono>
#include <cstdint>
#include <set>
#include <utility>
#include <variant>

#include <nlohmann/json.hpp>

namespace capprobe::collector {
namespace {

using nlohmann::json;

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

// A field as it arrived: absent, null, or a value of one JSON type.
struct Field {
  bool present = false;
  Kind kind = Kind::null;
  std::string text;
  std::int64_t integer = 0;
  bool boolean = false;
  bool negative = false;
};

struct ResultDraft {
  Field id, status, observed, summary, requested, duration_ms, evidence;
};

struct Draft {
  Field root;
  Field schema, report_id, started_at, duration_ms, agent, subject, results;
  Field agent_version, agent_mode;
  Field node, pod, container, runtime_class, os, arch, environment, os_version, kernel;
  std::vector<ResultDraft> result_list;
  std::vector<std::string> result_errors;  // elements of results that are not objects
};

enum class Ctx { top, agent, subject, results, result, ignored };

struct Frame {
  Ctx ctx;
  bool array;
  std::string key;
  std::size_t index = 0;
};

class ReportSax final : public nlohmann::json_sax<json> {
 public:
  explicit ReportSax(Draft& draft) : draft_(draft) {}

  std::optional<Rejection> failure;  // a parse error, or nesting beyond kMaxDepth

  bool null() override { return scalar(Kind::null, nullptr); }
  bool boolean(bool value) override {
    Field field;
    field.boolean = value;
    return scalar(Kind::boolean, &field);
  }
  bool number_integer(number_integer_t value) override {
    Field field;
    field.integer = value;
    field.negative = value < 0;
    return scalar(Kind::integer, &field);
  }
  bool number_unsigned(number_unsigned_t value) override {
    Field field;
    // Larger than any duration or count the collector keeps; saturate rather than wrap.
    field.integer = value > static_cast<number_unsigned_t>(INT64_MAX)
                        ? INT64_MAX
                        : static_cast<std::int64_t>(value);
    return scalar(Kind::integer, &field);
  }
  bool number_float(number_float_t, const string_t&) override {
    return scalar(Kind::floating, nullptr);
  }
  bool string(string_t& value) override {
    Field field;
    field.text = std::move(value);
    return scalar(Kind::string, &field);
  }
  bool binary(binary_t&) override { return scalar(Kind::null, nullptr); }  // not in JSON text

  bool start_object(std::size_t) override { return open(Kind::object); }
  bool key(string_t& name) override {
    frames_.back().key = std::move(name);
    return true;
  }
  bool end_object() override {
    frames_.pop_back();
    return true;
  }
  bool start_array(std::size_t) override { return open(Kind::array); }
  bool end_array() override {
    frames_.pop_back();
    return true;
  }

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
  // The field a value at the current position lands in, or nullptr when it is not one the
  // collector reads. Also tells which context a container opened here starts.
  Field* slot(Ctx& child) {
    child = Ctx::ignored;
    if (frames_.empty()) {
      child = Ctx::top;
      return &draft_.root;
    }
    Frame& frame = frames_.back();
    const std::string& k = frame.key;
    switch (frame.ctx) {
      case Ctx::top:
        if (k == "schema") return &draft_.schema;
        if (k == "report_id") return &draft_.report_id;
        if (k == "started_at") return &draft_.started_at;
        if (k == "duration_ms") return &draft_.duration_ms;
        if (k == "agent") return child = Ctx::agent, &draft_.agent;
        if (k == "subject") return child = Ctx::subject, &draft_.subject;
        if (k == "results") return child = Ctx::results, &draft_.results;
        return nullptr;
      case Ctx::agent:
        if (k == "version") return &draft_.agent_version;
        if (k == "mode") return &draft_.agent_mode;
        return nullptr;
      case Ctx::subject:
        if (k == "node") return &draft_.node;
        if (k == "pod") return &draft_.pod;
        if (k == "container") return &draft_.container;
        if (k == "runtime_class") return &draft_.runtime_class;
        if (k == "os") return &draft_.os;
        if (k == "arch") return &draft_.arch;
        if (k == "environment") return &draft_.environment;
        if (k == "os_version") return &draft_.os_version;
        if (k == "kernel") return &draft_.kernel;
        return nullptr;
      case Ctx::results: {
        const std::size_t index = frame.index++;
        draft_.result_list.emplace_back();
        element_ = Field{};
        element_index_ = index;
        return child = Ctx::result, &element_;
      }
      case Ctx::result: {
        ResultDraft& result = draft_.result_list.back();
        if (k == "id") return &result.id;
        if (k == "status") return &result.status;
        if (k == "observed") return &result.observed;
        if (k == "summary") return &result.summary;
        if (k == "requested") return &result.requested;
        if (k == "duration_ms") return &result.duration_ms;
        if (k == "evidence") return &result.evidence;
        return nullptr;
      }
      case Ctx::ignored:
        return nullptr;
    }
    return nullptr;
  }

  bool scalar(Kind kind, Field* value) {
    Ctx child;
    Field* field = slot(child);
    if (!field) return true;
    *field = value ? std::move(*value) : Field{};
    field->present = true;
    field->kind = kind;
    if (child == Ctx::result) not_an_object();
    return true;
  }

  bool open(Kind kind) {
    Ctx child;
    Field* field = slot(child);
    if (field) {
      field->present = true;
      field->kind = kind;
    }
    // A container where the collector expects another type is read, but not looked into.
    const bool expected = (child == Ctx::results)   ? kind == Kind::array
                          : (child == Ctx::ignored) ? true
                                                    : kind == Kind::object;
    if (!expected) {
      if (child == Ctx::result) not_an_object();
      child = Ctx::ignored;
    }
    if (frames_.size() >= static_cast<std::size_t>(kMaxDepth)) {
      failure = Rejection{RejectReason::invalid_report,
                          "the report nests deeper than " + std::to_string(kMaxDepth) + " levels"};
      return false;
    }
    frames_.push_back(Frame{child, kind == Kind::array, {}, 0});
    return true;
  }

  void not_an_object() {
    draft_.result_list.pop_back();
    draft_.result_errors.push_back("results[" + std::to_string(element_index_) +
                                   "] must be an object");
  }

  Draft& draft_;
  Field element_;
  std::size_t element_index_ = 0;
  std::vector<Frame> frames_;
};

struct Invalid {
  RejectReason reason;
  std::string message;
};

[[noreturn]] void invalid(const std::string& message) {
  throw Invalid{RejectReason::invalid_report, message};
}

bool has_control(std::string_view text) {
  for (const char c : text)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) return true;
  return false;
}

bool is_word(std::string_view text) {
  for (const char c : text) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-' || c == '.';
    if (!ok) return false;
  }
  return true;
}

void expect_type(const Field& field, const std::string& name, Kind kind) {
  if (!field.present) invalid(name + " is missing");
  if (field.kind != kind) invalid(name + " must be " + kind_name(kind));
}

std::string take_string(Field& field, const std::string& name, std::size_t max_length) {
  expect_type(field, name, Kind::string);
  if (field.text.size() > max_length)
    invalid(name + " is longer than " + std::to_string(max_length) + " bytes");
  return std::move(field.text);
}

// A name that ends up in keys and URLs: non-empty, bounded, no control characters.
std::string take_name(Field& field, const std::string& name) {
  auto text = take_string(field, name, kMaxNameLength);
  if (text.empty()) invalid(name + " must not be empty");
  if (has_control(text)) invalid(name + " holds control characters");
  return text;
}

// Absent, null and "" all mean "not known".
std::optional<std::string> take_optional_name(Field& field, const std::string& name) {
  if (!field.present || field.kind == Kind::null) return std::nullopt;
  if (field.kind != Kind::string) invalid(name + " must be a string or null");
  if (field.text.size() > kMaxNameLength || has_control(field.text))
    invalid(name + " must be at most 253 bytes without control characters");
  if (field.text.empty()) return std::nullopt;
  return std::move(field.text);
}

std::string take_word(Field& field, const std::string& name) {
  auto text = take_string(field, name, 64);
  if (text.empty() || !is_word(text))
    invalid(name + " must be a short word of letters, digits, '_', '-', '.'");
  return text;
}

std::string take_optional_string(Field& field, const std::string& name, std::size_t max_length) {
  if (!field.present) return {};
  return take_string(field, name, max_length);
}

void check_duration(const Field& field, const std::string& name, bool optional) {
  if (!field.present && optional) return;
  if (!field.present) invalid(name + " is missing");
  if (field.kind != Kind::integer || field.negative)
    invalid(name + " must be a non-negative integer");
}

IncomingReport finish(Draft& draft) {
  // The schema first: a report of another schema version fails for that reason, not for
  // whatever else its fields look like.
  if (!draft.schema.present) throw Invalid{RejectReason::wrong_schema, "schema is missing"};
  if (draft.schema.kind != Kind::string || draft.schema.text != agent::kReportSchema)
    throw Invalid{
        RejectReason::wrong_schema,
        "unsupported schema " +
            (draft.schema.kind == Kind::string
                 ? json(draft.schema.text).dump(-1, ' ', false, json::error_handler_t::replace)
                 : std::string("of type ") + kind_name(draft.schema.kind)) +
            "; this collector accepts \"" + agent::kReportSchema + "\""};

  IncomingReport report;
  report.report_id = take_string(draft.report_id, "report_id", kMaxIdLength);
  if (report.report_id.empty() || !is_word(report.report_id))
    invalid("report_id must be 1-128 letters, digits, '_', '-' or '.'");

  expect_type(draft.agent, "agent", Kind::object);
  take_string(draft.agent_version, "agent.version", 64);
  take_string(draft.agent_mode, "agent.mode", 64);

  expect_type(draft.subject, "subject", Kind::object);
  agent::Subject& subject = report.subject;
  subject.node = take_name(draft.node, "subject.node");
  subject.pod = take_optional_name(draft.pod, "subject.pod");
  subject.container = take_optional_name(draft.container, "subject.container");
  subject.runtime_class = take_optional_name(draft.runtime_class, "subject.runtime_class");
  subject.os = take_word(draft.os, "subject.os");
  subject.arch = take_word(draft.arch, "subject.arch");
  subject.environment = take_word(draft.environment, "subject.environment");
  subject.os_version = take_optional_string(draft.os_version, "subject.os_version", 256);
  subject.kernel = take_optional_string(draft.kernel, "subject.kernel", 256);

  const auto started_at = take_string(draft.started_at, "started_at", 64);
  const auto started_ms = parse_rfc3339_ms(started_at);
  if (!started_ms) invalid("started_at must be an RFC 3339 date-time such as 2026-11-24T10:00:00Z");
  report.started_at_ms = *started_ms;
  check_duration(draft.duration_ms, "duration_ms", false);

  expect_type(draft.results, "results", Kind::array);
  if (!draft.result_errors.empty()) invalid(draft.result_errors.front());
  if (draft.result_list.size() > kMaxResults)
    invalid("results holds more than " + std::to_string(kMaxResults) + " entries");
  std::set<std::string> seen;
  report.results.reserve(draft.result_list.size());
  for (std::size_t i = 0; i < draft.result_list.size(); ++i) {
    ResultDraft& draft_result = draft.result_list[i];
    const std::string path = "results[" + std::to_string(i) + "].";
    ResultSummary result;
    result.id = take_string(draft_result.id, path + "id", kMaxIdLength);
    if (result.id.empty() || !is_word(result.id))
      invalid(path + "id must be a capability id such as fs.symlink");
    if (!seen.insert(result.id).second) invalid("capability " + result.id + " appears twice");
    const auto status_word = take_string(draft_result.status, path + "status", 64);
    const auto status = probes::status_from_string(status_word);
    if (!status)
      invalid(path + "status \"" + status_word +
              "\" is not one of supported, partial, unsupported, untested, not_applicable, "
              "error");
    result.status = *status;
    take_optional_string(draft_result.observed, path + "observed", 256);
    take_optional_string(draft_result.summary, path + "summary", 64 * 1024);
    const Field& requested = draft_result.requested;
    if (requested.present && requested.kind == Kind::boolean)
      result.requested = requested.boolean;
    else if (requested.present && requested.kind != Kind::null)
      invalid(path + "requested must be true, false or null");
    if (draft_result.evidence.present && draft_result.evidence.kind != Kind::object)
      invalid(path + "evidence must be an object");
    check_duration(draft_result.duration_ms, path + "duration_ms", true);
    report.results.push_back(std::move(result));
  }

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

std::variant<IncomingReport, Rejection> validate_report(std::string_view body) {
  Draft draft;
  ReportSax sax(draft);
  const bool parsed = json::sax_parse(body.begin(), body.end(), &sax);
  if (sax.failure) return *sax.failure;
  if (!parsed) return Rejection{RejectReason::invalid_json, "the body is not valid JSON"};
  if (draft.root.kind != Kind::object)
    return Rejection{
        RejectReason::invalid_report,
        std::string("the report must be a JSON object, not ") + kind_name(draft.root.kind)};
  try {
    return finish(draft);
  } catch (const Invalid& error) {
    return Rejection{error.reason, error.message};
  }
}

}  // namespace capprobe::collector
