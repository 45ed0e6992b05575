// Lays out the --help flag table.
#include "agent/help_table.hpp"

#include <algorithm>

namespace capprobe::agent {

std::string flags_table(std::vector<std::pair<std::string, std::string_view>> rows) {
  rows.emplace_back("-h, --help", "this help");
  std::size_t width = 0;
  for (const auto& row : rows) width = std::max(width, row.first.size());
  std::string text = "Flags:\n";
  for (const auto& [left, help] : rows) {
    text += "  " + left + std::string(width - left.size() + 2, ' ');
    // Continuation lines of a help text ("\n") line up under its first line.
    for (const char c : help) {
      text += c;
      if (c == '\n') text += std::string(width + 4, ' ');
    }
    text += "\n";
  }
  return text;
}

}  // namespace capprobe::agent
