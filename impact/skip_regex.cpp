#include "impact/skip_regex.hpp"

namespace capprobe::impact {

std::string escape_regex(std::string_view text) {
  static constexpr std::string_view kSpecial = R"(\^$.|?*+()[]{})";
  std::string out;
  out.reserve(text.size() + text.size() / 4);
  for (const char c : text) {
    if (kSpecial.find(c) != std::string_view::npos) out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

std::string skip_regex(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& name : names) {
    if (!out.empty()) out.push_back('|');
    out += escape_regex(name);
  }
  return out;
}

}  // namespace capprobe::impact
