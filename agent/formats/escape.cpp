// Escaping for the output formats; tests in tests/unit/agent/formats_test.cpp.
#include "agent/formats/escape.hpp"

#include <cstdint>
#include <cstdio>

namespace capprobe::agent::escape {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// Decodes the code point starting at text[at]; returns its length, or 0 when the bytes there
// are not valid UTF-8.
std::size_t decode(std::string_view text, std::size_t at, char32_t& code_point) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[at + i]); };
  const unsigned char lead = byte(0);
  std::size_t length = 0;
  char32_t value = 0;
  char32_t minimum = 0;
  if (lead < 0x80) {
    code_point = lead;
    return 1;
  } else if ((lead & 0xE0) == 0xC0) {
    length = 2, value = lead & 0x1F, minimum = 0x80;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3, value = lead & 0x0F, minimum = 0x800;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4, value = lead & 0x07, minimum = 0x10000;
  } else {
    return 0;
  }
  if (at + length > text.size()) return 0;
  for (std::size_t i = 1; i < length; ++i) {
    if ((byte(i) & 0xC0) != 0x80) return 0;
    value = (value << 6) | (byte(i) & 0x3F);
  }
  if (value < minimum || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)) return 0;
  code_point = value;
  return length;
}

// Calls `emit(code_point, bytes)` for each valid code point and `emit(U+FFFD, replacement)`
// for each invalid byte.
template <class Emit>
void for_each_code_point(std::string_view text, Emit emit) {
  std::size_t at = 0;
  while (at < text.size()) {
    char32_t code_point = 0;
    const auto length = decode(text, at, code_point);
    if (length == 0) {
      emit(char32_t{0xFFFD}, kReplacement);
      ++at;
      continue;
    }
    emit(code_point, text.substr(at, length));
    at += length;
  }
}

bool label_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.';
}

bool alphanumeric(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

}  // namespace

std::string utf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for_each_code_point(text, [&](char32_t, std::string_view bytes) { out += bytes; });
  return out;
}

std::string xml(std::string_view text, bool attribute) {
  std::string out;
  out.reserve(text.size());
  for_each_code_point(text, [&](char32_t code_point, std::string_view bytes) {
    switch (code_point) {
      case '&':
        out += "&amp;";
        return;
      case '<':
        out += "&lt;";
        return;
      case '>':
        out += "&gt;";
        return;
      case '"':  // quotes only end an attribute value; in content they stay readable
        out += attribute ? "&quot;" : "\"";
        return;
      case '\'':
        out += attribute ? "&apos;" : "'";
        return;
      case '\t':
        out += attribute ? "&#9;" : "\t";
        return;
      case '\n':
        out += attribute ? "&#10;" : "\n";
        return;
      case '\r':
        out += "&#13;";  // a literal CR is normalised away even in text content
        return;
    }
    if (code_point < 0x20 || code_point == 0xFFFE || code_point == 0xFFFF) {
      out += kReplacement;
      return;
    }
    out += bytes;
  });
  return out;
}

std::string prometheus_label(std::string_view text) {
  std::string out;
  for (const char c : utf8(text)) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

std::string prometheus_help(std::string_view text) {
  std::string out;
  for (const char c : utf8(text)) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

bool is_label_value(std::string_view text) {
  if (text.empty()) return true;
  if (text.size() > 63 || !alphanumeric(text.front()) || !alphanumeric(text.back())) return false;
  for (const char c : text)
    if (!label_char(c)) return false;
  return true;
}

bool is_label_name(std::string_view text) {
  return !text.empty() && is_label_value(text);
}

std::string json_string(std::string_view text) {
  return json(nlohmann::json(std::string(text)));
}

std::string json(const nlohmann::json& value, int indent) {
  return value.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string yaml_scalar(const nlohmann::json& value) {
  // JSON text outside strings is printable ASCII, so only string contents change here.
  std::string out;
  for_each_code_point(json(value), [&](char32_t code_point, std::string_view bytes) {
    const bool printable =
        !(code_point == 0x7F || (code_point >= 0x80 && code_point <= 0x9F && code_point != 0x85) ||
          code_point == 0xFFFE || code_point == 0xFFFF);
    if (printable) {
      out += bytes;
      return;
    }
    char escaped[8];
    std::snprintf(escaped, sizeof escaped, "\\u%04x", static_cast<unsigned>(code_point));
    out += escaped;
  });
  return out;
}

std::string yaml_string(std::string_view text) {
  return yaml_scalar(nlohmann::json(std::string(text)));
}

}  // namespace capprobe::agent::escape
