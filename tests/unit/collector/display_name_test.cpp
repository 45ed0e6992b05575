// display_problem on its own, for what reports cannot show it: a name from a URL is bytes, and
// only well-formed UTF-8 names a node (simdjson has already refused the rest in a report body).
#include <catch2/catch.hpp>

#include <string>

#include "collector/display_name.hpp"

using capprobe::collector::display_problem;

TEST_CASE("a name that is not well-formed UTF-8 is refused as such") {
  for (const std::string bytes :
       {"worker\xC3", "\xC0\x80", "\xE0\x80\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80",
        "\xF8\x88\x80\x80\x80", "a\x80z", "\xE2\x80"}) {
    INFO(bytes);
    CHECK(display_problem(bytes) == "is not valid UTF-8");
  }
}

TEST_CASE("each kind of refusal has its own words, and a plain name has none") {
  CHECK(display_problem("") == "must not be empty");
  CHECK(display_problem("a\tb") == "contains U+0009 (a control character)");
  CHECK(display_problem("\xF3\xA0\x80\x81x") == "contains U+E0001 (a tag character)");
  CHECK(display_problem("\xE3\x80\x80 ") == "is only whitespace (U+3000 IDEOGRAPHIC SPACE)");
  CHECK(display_problem(" x") == "begins with U+0020 SPACE");
  CHECK(display_problem("x\xC2\xA0") == "ends with U+00A0 NO-BREAK SPACE");
  CHECK(display_problem("worker-1") == std::nullopt);
  CHECK(display_problem("\xF0\x9F\x90\xA7-node") == std::nullopt);  // an emoji shows as itself
}
