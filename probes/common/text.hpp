// Small text parsers for the /proc and /sys formats probes read.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace capprobe::probes::text {

std::string_view trim(std::string_view s);
std::vector<std::string> split(std::string_view s, char separator);  // keeps empty fields
std::vector<std::string> split_whitespace(std::string_view s);       // drops empty fields
std::vector<std::string> lines(std::string_view s);                  // drops a trailing empty line
bool starts_with(std::string_view s, std::string_view prefix);
bool ends_with(std::string_view s, std::string_view suffix);
// The text with its first letter made a capital ("runs as root" -> "Runs as root"); fragments
// that read well inside another sentence become a sentence of their own.
std::string capitalized(std::string_view s);
// "a, b, c": the parts with `separator` between them.
std::string join(const std::vector<std::string>& parts, std::string_view separator = ", ");

std::optional<std::int64_t> parse_int(std::string_view s);
std::optional<std::uint64_t> parse_uint(std::string_view s);
std::optional<std::uint64_t> parse_hex(std::string_view s);  // with or without 0x
std::optional<double> parse_double(std::string_view s);

// "0-3,8,10-11" -> {0,1,2,3,8,10,11}; nullopt when malformed. Empty text is an empty list.
std::optional<std::vector<int>> parse_cpu_list(std::string_view s);
std::string format_cpu_list(const std::vector<int>& cpus);  // the inverse, compressed to ranges

// "Key:\tvalue" lines (/proc/self/status) or "key value" lines (cpu.stat, memory.events).
std::map<std::string, std::string> key_values(std::string_view s, char separator);

}  // namespace capprobe::probes::text
