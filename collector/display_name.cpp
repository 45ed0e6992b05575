// The rule of display_name.hpp as two tables of code points, one per way a character misleads;
// a new kind of character to refuse is one more row.
#include "collector/display_name.hpp"

#include <algorithm>
#include <cstdio>
#include <vector>

namespace capprobe::collector {
namespace {

// A range of code points with what a message calls them: a single code point's Unicode name, or
// for a range a description in parentheses.
struct CodePoints {
  char32_t first;
  char32_t last;
  const char* name;
};

constexpr char32_t kSpace = 0x20;

// Refused anywhere in a name: these display as nothing, or change how the text around them
// displays. The control characters (Cc); Unicode's Default_Ignorable_Code_Point (Unicode 15
// DerivedCoreProperties.txt); the line and paragraph separators; the interlinear annotation
// characters, which hide the text between them.
constexpr CodePoints kHidden[] = {
    {0x0000, 0x001F, "(a control character)"},
    {0x007F, 0x009F, "(a control character)"},
    {0x00AD, 0x00AD, "SOFT HYPHEN"},
    {0x034F, 0x034F, "COMBINING GRAPHEME JOINER"},
    {0x061C, 0x061C, "ARABIC LETTER MARK"},
    {0x115F, 0x1160, "(a Hangul filler)"},
    {0x17B4, 0x17B5, "(an invisible Khmer vowel)"},
    {0x180B, 0x180D, "(a Mongolian variation selector)"},
    {0x180E, 0x180E, "MONGOLIAN VOWEL SEPARATOR"},
    {0x180F, 0x180F, "(a Mongolian variation selector)"},
    {0x200B, 0x200B, "ZERO WIDTH SPACE"},
    {0x200C, 0x200C, "ZERO WIDTH NON-JOINER"},
    {0x200D, 0x200D, "ZERO WIDTH JOINER"},
    {0x200E, 0x200E, "LEFT-TO-RIGHT MARK"},
    {0x200F, 0x200F, "RIGHT-TO-LEFT MARK"},
    {0x2028, 0x2028, "LINE SEPARATOR"},
    {0x2029, 0x2029, "PARAGRAPH SEPARATOR"},
    {0x202A, 0x202A, "LEFT-TO-RIGHT EMBEDDING"},
    {0x202B, 0x202B, "RIGHT-TO-LEFT EMBEDDING"},
    {0x202C, 0x202C, "POP DIRECTIONAL FORMATTING"},
    {0x202D, 0x202D, "LEFT-TO-RIGHT OVERRIDE"},
    {0x202E, 0x202E, "RIGHT-TO-LEFT OVERRIDE"},
    {0x2060, 0x2060, "WORD JOINER"},
    {0x2061, 0x2061, "FUNCTION APPLICATION"},
    {0x2062, 0x2062, "INVISIBLE TIMES"},
    {0x2063, 0x2063, "INVISIBLE SEPARATOR"},
    {0x2064, 0x2064, "INVISIBLE PLUS"},
    {0x2065, 0x2065, "(an unassigned invisible code point)"},
    {0x2066, 0x2066, "LEFT-TO-RIGHT ISOLATE"},
    {0x2067, 0x2067, "RIGHT-TO-LEFT ISOLATE"},
    {0x2068, 0x2068, "FIRST STRONG ISOLATE"},
    {0x2069, 0x2069, "POP DIRECTIONAL ISOLATE"},
    {0x206A, 0x206F, "(a deprecated format character)"},
    {0x3164, 0x3164, "HANGUL FILLER"},
    {0xFE00, 0xFE0F, "(a variation selector)"},
    {0xFEFF, 0xFEFF, "ZERO WIDTH NO-BREAK SPACE"},
    {0xFFA0, 0xFFA0, "HALFWIDTH HANGUL FILLER"},
    {0xFFF0, 0xFFF8, "(an unassigned invisible code point)"},
    {0xFFF9, 0xFFFB, "(an interlinear annotation character)"},
    {0x1BCA0, 0x1BCA3, "(a shorthand format control)"},
    {0x1D173, 0x1D17A, "(a musical symbol format control)"},
    {0xE0000, 0xE007F, "(a tag character)"},
    {0xE0080, 0xE00FF, "(an unassigned invisible code point)"},
    {0xE0100, 0xE01EF, "(a variation selector)"},
    {0xE01F0, 0xE0FFF, "(an unassigned invisible code point)"},
};

// Unicode's White_Space, without the controls above (TAB, LF, VT, FF, CR, NEL).
constexpr CodePoints kSpaces[] = {
    {0x0020, 0x0020, "SPACE"},
    {0x00A0, 0x00A0, "NO-BREAK SPACE"},
    {0x1680, 0x1680, "OGHAM SPACE MARK"},
    {0x2000, 0x2000, "EN QUAD"},
    {0x2001, 0x2001, "EM QUAD"},
    {0x2002, 0x2002, "EN SPACE"},
    {0x2003, 0x2003, "EM SPACE"},
    {0x2004, 0x2004, "THREE-PER-EM SPACE"},
    {0x2005, 0x2005, "FOUR-PER-EM SPACE"},
    {0x2006, 0x2006, "SIX-PER-EM SPACE"},
    {0x2007, 0x2007, "FIGURE SPACE"},
    {0x2008, 0x2008, "PUNCTUATION SPACE"},
    {0x2009, 0x2009, "THIN SPACE"},
    {0x200A, 0x200A, "HAIR SPACE"},
    {0x202F, 0x202F, "NARROW NO-BREAK SPACE"},
    {0x205F, 0x205F, "MEDIUM MATHEMATICAL SPACE"},
    {0x3000, 0x3000, "IDEOGRAPHIC SPACE"},
};

template <std::size_t N>
const CodePoints* find(const CodePoints (&table)[N], char32_t code_point) {
  for (const auto& row : table)
    if (code_point >= row.first && code_point <= row.last) return &row;
  return nullptr;
}

bool is_space(char32_t code_point) {
  return find(kSpaces, code_point) != nullptr;
}

// "U+202E RIGHT-TO-LEFT OVERRIDE", "U+000A (a control character)".
std::string label(char32_t code_point, const CodePoints& row) {
  char number[16];
  std::snprintf(number, sizeof number, "U+%04X ", static_cast<unsigned>(code_point));
  return std::string(number) + row.name;
}

std::string space_label(char32_t code_point) {
  return label(code_point, *find(kSpaces, code_point));
}

// The code points of well-formed UTF-8 (no overlong forms, surrogates or values past U+10FFFF),
// or nullopt. Text from a report is valid already; a name from a URL may not be.
std::optional<std::vector<char32_t>> decode_utf8(std::string_view text) {
  std::vector<char32_t> code_points;
  std::size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<unsigned char>(text[i]);
    const int length = lead < 0x80                    ? 1
                       : lead >= 0xC2 && lead <= 0xDF ? 2
                       : lead >= 0xE0 && lead <= 0xEF ? 3
                       : lead >= 0xF0 && lead <= 0xF4 ? 4
                                                      : 0;
    if (length == 0 || i + static_cast<std::size_t>(length) > text.size()) return std::nullopt;
    char32_t code_point = length == 1 ? lead : lead & (0x7F >> length);
    for (int k = 1; k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + static_cast<std::size_t>(k)]);
      if ((next & 0xC0) != 0x80) return std::nullopt;
      code_point = (code_point << 6) | (next & 0x3F);
    }
    constexpr char32_t kSmallest[] = {0, 0, 0x80, 0x800, 0x10000};
    if (code_point < kSmallest[length] || code_point > 0x10FFFF ||
        (code_point >= 0xD800 && code_point <= 0xDFFF))
      return std::nullopt;
    code_points.push_back(code_point);
    i += static_cast<std::size_t>(length);
  }
  return code_points;
}

}  // namespace

std::optional<std::string> display_problem(std::string_view name) {
  if (name.empty()) return "must not be empty";
  const auto code_points = decode_utf8(name);
  if (!code_points) return "is not valid UTF-8";
  for (const char32_t c : *code_points)
    if (const auto* hidden = find(kHidden, c)) return "contains " + label(c, *hidden);
  const char32_t first = code_points->front();
  const char32_t last = code_points->back();
  if (std::all_of(code_points->begin(), code_points->end(), is_space))
    return "is only whitespace (" + space_label(first) + ")";
  // "worker-1 " and "worker-1" look the same in a table cell but are two nodes.
  if (is_space(first)) return "begins with " + space_label(first);
  if (is_space(last)) return "ends with " + space_label(last);
  for (const char32_t c : *code_points)
    if (c != kSpace && is_space(c))
      return "contains " + space_label(c) + ", which looks like another space or none; " +
             "only U+0020 SPACE may separate words";
  return std::nullopt;
}

}  // namespace capprobe::collector
