// The retry schedule for undelivered reports: exponential, capped, jittered so that agents
// that lost the collector together do not all come back in the same second.
#pragma once

#include "agent/daemon/duration.hpp"

namespace capprobe::agent::daemon {

struct BackoffPolicy {
  Millis initial{2000};
  Millis max{5 * 60 * 1000};
};

// The wait before the next attempt after `failures` consecutive failed attempts (1 = the first
// failure): min(max, initial * 2^(failures-1)), then "equal jitter": a uniform point in the
// upper half of that, chosen by `unit` in [0, 1). So it never exceeds `max` and never drops
// below half the un-jittered step.
Millis backoff_delay(const BackoffPolicy& policy, int failures, double unit);

}  // namespace capprobe::agent::daemon
