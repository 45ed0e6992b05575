// Exponential backoff with equal jitter.
#include "agent/daemon/backoff.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace capprobe::agent::daemon {

Millis backoff_delay(const BackoffPolicy& policy, int failures, double unit) {
  const std::int64_t cap = std::max<std::int64_t>(1, policy.max.count());
  std::int64_t step = std::clamp<std::int64_t>(policy.initial.count(), 1, cap);
  // Doubling stops at the cap, so no number of failures can overflow.
  for (int i = 1; i < failures && step < cap; ++i) step = std::min(cap, step * 2);
  unit = std::clamp(unit, 0.0, 1.0);
  const auto half = step / 2;
  const auto jitter =
      static_cast<std::int64_t>(std::floor(static_cast<double>(step - half) * unit));
  return Millis(std::min(step, std::max<std::int64_t>(1, half + jitter)));
}

}  // namespace capprobe::agent::daemon
