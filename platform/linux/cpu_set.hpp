// A dynamically sized CPU mask (CPU_ALLOC) that frees itself: fixed cpu_set_t stops at 1024 CPUs.
#pragma once

#include <sched.h>

#include <memory>

namespace capprobe::platform::posix {

struct CpuSetFree {
  void operator()(cpu_set_t* set) const { CPU_FREE(set); }
};
using CpuSet = std::unique_ptr<cpu_set_t, CpuSetFree>;

}  // namespace capprobe::platform::posix
