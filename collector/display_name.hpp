// Whether a name displays as itself. Node and subject names reach the matrix page, node pages,
// URLs and logs, where a character that shows as nothing, as a space, or that reorders the text
// around it (the bidi controls of "Trojan Source", CVE-2021-42574) lets one name pass for another.
// Report ingest and every query that names a node ask this one function.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace capprobe::collector {

// nullopt when `name` displays as itself; otherwise why not, as the end of a sentence that starts
// with the field's name: "must not be empty", "contains U+202E RIGHT-TO-LEFT OVERRIDE",
// "ends with U+0020 SPACE".
//
// Refused: invalid UTF-8; control characters (C0, DEL, C1); Unicode's Default_Ignorable code
// points (bidi controls, zero-width and invisible format characters, variation selectors, fillers,
// tags) and the line and paragraph separators; a name that is only whitespace or begins or ends
// with it; and any space but U+0020 SPACE, since every other space looks like it or like nothing.
std::optional<std::string> display_problem(std::string_view name);

}  // namespace capprobe::collector
