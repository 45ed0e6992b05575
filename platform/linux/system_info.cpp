// Facts about this process, its kernel and its CPUs: uname, interface addresses, the affinity
// mask, the environment, pids and clocks.
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <memory>

#include "platform/linux/cpu_set.hpp"
#include "platform/linux/errno_names.hpp"
#include "platform/linux/linux_platform.hpp"

namespace capprobe::platform {

using posix::last_error;
using posix::os_error;

Result<KernelInfo> LinuxPlatform::kernel_info() const {
  utsname names{};
  if (::uname(&names) != 0) return last_error("uname");
  return KernelInfo{names.sysname, names.nodename, names.release, names.version, names.machine};
}

Result<std::vector<InterfaceAddress>> LinuxPlatform::interface_addresses() const {
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) return last_error("getifaddrs");
  const std::unique_ptr<ifaddrs, decltype(&::freeifaddrs)> owner(list, &::freeifaddrs);
  std::vector<InterfaceAddress> addresses;
  for (const ifaddrs* entry = list; entry != nullptr; entry = entry->ifa_next) {
    if (entry->ifa_addr == nullptr) continue;  // an interface without an address
    const int family = entry->ifa_addr->sa_family;
    const void* raw = nullptr;
    if (family == AF_INET) {
      raw = &reinterpret_cast<const sockaddr_in*>(entry->ifa_addr)->sin_addr;
    } else if (family == AF_INET6) {
      raw = &reinterpret_cast<const sockaddr_in6*>(entry->ifa_addr)->sin6_addr;
    } else {
      continue;  // AF_PACKET and friends: link-layer entries, not addresses
    }
    char text[INET6_ADDRSTRLEN] = {};
    if (::inet_ntop(family, raw, text, sizeof text) == nullptr) {
      return last_error("inet_ntop", entry->ifa_name);
    }
    addresses.push_back(InterfaceAddress{entry->ifa_name, text, family == AF_INET6});
  }
  return addresses;
}

Result<std::vector<int>> LinuxPlatform::allowed_cpus() const {
  // The mask must be at least the kernel's nr_cpu_ids or the call fails with EINVAL; start
  // large and grow, so that machines with thousands of CPUs work too.
  for (int capacity = 1024; capacity <= (1 << 18); capacity *= 2) {
    const posix::CpuSet set(CPU_ALLOC(capacity));
    if (!set) return os_error(ENOMEM, "CPU_ALLOC");
    const std::size_t size = CPU_ALLOC_SIZE(capacity);
    CPU_ZERO_S(size, set.get());
    if (::sched_getaffinity(0, size, set.get()) != 0) {
      if (errno == EINVAL) continue;
      return last_error("sched_getaffinity");
    }
    std::vector<int> cpus;
    for (int cpu = 0; cpu < capacity; ++cpu) {
      if (CPU_ISSET_S(cpu, size, set.get())) cpus.push_back(cpu);
    }
    return cpus;
  }
  return os_error(EINVAL, "sched_getaffinity: more than 262144 CPUs");
}

std::optional<std::string> LinuxPlatform::env(const std::string& name) const {
  const char* value = std::getenv(name.c_str());
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

int LinuxPlatform::self_pid() const {
  return static_cast<int>(::getpid());
}

bool LinuxPlatform::process_alive(int pid) const {
  // kill(0) and kill(-1) address process groups, not a process.
  if (pid <= 0) return false;
  // EPERM means it exists but belongs to someone else: alive.
  return ::kill(pid, 0) == 0 || errno != ESRCH;
}

std::chrono::nanoseconds LinuxPlatform::monotonic_now() const {
  timespec now{};
  ::clock_gettime(CLOCK_MONOTONIC, &now);  // cannot fail for CLOCK_MONOTONIC with a valid pointer
  return std::chrono::seconds(now.tv_sec) + std::chrono::nanoseconds(now.tv_nsec);
}

std::chrono::system_clock::time_point LinuxPlatform::wall_now() const {
  return std::chrono::system_clock::now();
}

}  // namespace capprobe::platform
