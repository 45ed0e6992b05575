// Wall-clock helpers: the collector stores and compares times as Unix milliseconds.
#pragma once

#include <cstdint>
#include <string>

namespace capprobe::collector {

std::int64_t unix_now_ms();
// "2026-11-24T10:00:00.123Z"
std::string rfc3339_ms(std::int64_t unix_ms);

}  // namespace capprobe::collector
