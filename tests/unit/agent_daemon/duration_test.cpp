// Durations on the agent's command line, interval jitter and the retry backoff schedule.
#include <catch2/catch.hpp>

#include "agent/daemon/backoff.hpp"
#include "agent/daemon/duration.hpp"

using namespace capprobe::agent::daemon;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

TEST_CASE("durations parse from integer and unit parts") {
  const std::pair<const char*, Millis> good[] = {
      {"30s", seconds(30)},      {"10m", minutes(10)},   {"1h", hours(1)},
      {"500ms", Millis(500)},    {"1h30m", minutes(90)}, {"2m5s", seconds(125)},
      {"1s500ms", Millis(1500)}, {"720h", hours(720)},   {"0h1s", seconds(1)},
  };
  for (const auto& [text, expected] : good) {
    INFO(text);
    REQUIRE(parse_duration(text) == expected);
  }
  for (const char* bad : {"", "10", "s", "1.5h", "-5s", "0s", "0ms", "5 s", "5S", "1d", "721h",
                          "99999999999999999999s", "10m ", "m10", "1hh"}) {
    INFO(bad);
    REQUIRE_FALSE(parse_duration(bad).has_value());
  }
}

TEST_CASE("durations print in their shortest exact form and parse back") {
  REQUIRE(format_duration(minutes(10)) == "10m");
  REQUIRE(format_duration(seconds(90)) == "1m30s");
  REQUIRE(format_duration(Millis(1500)) == "1s500ms");
  REQUIRE(format_duration(hours(2) + seconds(1)) == "2h1s");
  for (const Millis value : {Millis(1), Millis(999), Millis(seconds(61)), hours(25) + Millis(7)})
    REQUIRE(parse_duration(format_duration(value)) == value);
}

TEST_CASE("interval jitter stays within the fraction and covers both sides") {
  const Millis base = minutes(10);
  REQUIRE(jittered(base, 0.1, 0.0) == minutes(9));
  REQUIRE(jittered(base, 0.1, 0.5) == base);
  REQUIRE(jittered(base, 0.1, 0.999999) > Millis(659000));
  REQUIRE(jittered(base, 0.1, 0.999999) <= minutes(11));
  REQUIRE(jittered(base, 0.0, 0.9) == base);
  REQUIRE(jittered(Millis(1), 1.0, 0.0) == Millis(1));  // never zero: no busy loop
}

TEST_CASE("backoff doubles from the initial step up to the cap") {
  const BackoffPolicy policy{seconds(2), minutes(5)};
  // unit just below 1 gives the full step: 2, 4, 8, ... 256, then the cap.
  const Millis full[] = {seconds(2),  seconds(4),   seconds(8),   seconds(16), seconds(32),
                         seconds(64), seconds(128), seconds(256), minutes(5),  minutes(5)};
  for (int failures = 1; failures <= 10; ++failures) {
    INFO(failures);
    const auto top = backoff_delay(policy, failures, 0.9999999);
    REQUIRE(top <= full[failures - 1]);
    REQUIRE(top >= full[failures - 1] - Millis(1));
    // unit 0 gives half the step: the lower edge of the equal-jitter window.
    REQUIRE(backoff_delay(policy, failures, 0.0) == full[failures - 1] / 2);
  }
  REQUIRE(backoff_delay(policy, 1000000, 0.5) <= minutes(5));
  REQUIRE(backoff_delay(policy, 1000000, 0.5) >= minutes(5) / 2);
}

TEST_CASE("backoff jitter spreads agents over the window") {
  const BackoffPolicy policy{seconds(2), minutes(5)};
  const auto low = backoff_delay(policy, 4, 0.1);
  const auto high = backoff_delay(policy, 4, 0.9);
  REQUIRE(low < high);
  REQUIRE(low >= seconds(8));
  REQUIRE(high <= seconds(16));
}

TEST_CASE("a cap below the initial step caps the first wait too") {
  const BackoffPolicy policy{seconds(2), seconds(1)};
  for (int failures = 1; failures < 5; ++failures) {
    REQUIRE(backoff_delay(policy, failures, 0.9999) <= seconds(1));
    REQUIRE(backoff_delay(policy, failures, 0.0) == Millis(500));
  }
}
