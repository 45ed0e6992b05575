// The "Flags:" table of a command's --help, shared by `capprobe probe|list` and `capprobe agent`:
// flag and value on the left, help on the right, continuation lines under the first.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace capprobe::agent {

// `rows` are (left column, help); "-h, --help" is added as the last row. A help text's "\n"
// starts a continuation line.
std::string flags_table(std::vector<std::pair<std::string, std::string_view>> rows);

}  // namespace capprobe::agent
