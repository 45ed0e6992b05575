// Durations on the agent's command line ("30s", "10m", "1h30m", "500ms") and the jitter that
// keeps a fleet of agents from reporting in lockstep.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace capprobe::agent::daemon {

using Millis = std::chrono::milliseconds;

// One or more <integer><unit> parts, unit one of ms, s, m, h ("1h30m"). Positive and at most
// 30 days; nullopt for anything else (no unit, "0s", "-5s", "1.5h", overflow).
std::optional<Millis> parse_duration(std::string_view text);

// The shortest exact spelling: 600000ms -> "10m", 90000ms -> "1m30s", 1500ms -> "1s500ms".
std::string format_duration(Millis duration);

// `base` moved by up to ±`fraction` of itself; `unit` is a uniform random number in [0, 1)
// (0 gives base * (1 - fraction), 0.5 gives base). Never below 1 ms.
Millis jittered(Millis base, double fraction, double unit);

}  // namespace capprobe::agent::daemon
