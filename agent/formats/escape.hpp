// Text escaping and validation for the output formats: XML, Prometheus label values, Kubernetes
// label values, JSON strings (also used as YAML scalars). Every function also repairs invalid
// UTF-8 (probe summaries can carry raw bytes read from files), because XML and JSON parsers
// reject it.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace capprobe::agent::escape {

// Invalid UTF-8 sequences (stray bytes, overlongs, surrogates, > U+10FFFF) become U+FFFD.
std::string utf8(std::string_view text);

// & < > as entities, and " ' too in an attribute value. Characters XML 1.0 forbids (C0 controls
// other than tab, newline and carriage return, U+FFFE, U+FFFF) become U+FFFD, since no entity can
// carry them. In an attribute, tab, newline and carriage return become character references so that
// the parser's attribute-value normalisation keeps them.
std::string xml(std::string_view text, bool attribute = false);

// Prometheus text format 0.0.4: a label value escapes \ " and newline; HELP text escapes \ and
// newline.
std::string prometheus_label(std::string_view text);
std::string prometheus_help(std::string_view text);

// A Kubernetes label value: empty, or at most 63 characters of [A-Za-z0-9-_.] that begin and
// end with an alphanumeric. The name part of a label key follows the same rule but may not be
// empty.
bool is_label_value(std::string_view text);
bool is_label_name(std::string_view text);

// A double-quoted JSON string. YAML accepts it as a double-quoted scalar.
std::string json_string(std::string_view text);

// Compact or indented JSON that never throws on invalid UTF-8 in a string.
std::string json(const nlohmann::json& value, int indent = -1);

// Compact JSON that is also a YAML flow scalar: characters YAML forbids in a stream (DEL, the
// C1 controls but NEL, U+FFFE, U+FFFF), which JSON leaves raw, written as \uXXXX escapes.
// libyaml and go-yaml reject a document holding them raw.
std::string yaml_scalar(const nlohmann::json& value);
std::string yaml_string(std::string_view text);

}  // namespace capprobe::agent::escape
