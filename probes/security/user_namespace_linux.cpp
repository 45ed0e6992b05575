// Reading this process's user namespace link and id maps through LinuxFacts.
#include "probes/security/user_namespace.hpp"

#include "platform/linux_facts.hpp"

namespace capprobe::probes {

UserNamespaceFacts read_user_namespace_facts(const platform::Platform& os) {
  // A map holds at most 340 lines of 33 bytes (4.15+).
  return UserNamespaceFacts{ns::read_namespace(os, "self", "user"),
                            platform::linux_facts(os).read_file(kUidMapPath, 16 * 1024),
                            platform::linux_facts(os).read_file(kGidMapPath, 16 * 1024)};
}

}  // namespace capprobe::probes
