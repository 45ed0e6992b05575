// A --ginkgo.skip value that matches exactly the given test names: each name with its regex
// metacharacters escaped, joined by '|'. The escapes mean the same to Go's RE2 (Ginkgo) and to
// ECMAScript (what the tests check it with).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace capprobe::impact {

std::string escape_regex(std::string_view text);

// "" for no names: an empty --ginkgo.skip skips nothing.
std::string skip_regex(const std::vector<std::string>& names);

}  // namespace capprobe::impact
