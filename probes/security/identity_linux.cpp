// security.identity on Linux: /proc/self/status, the user namespace and this container's own
// name databases, handed to the judge in identity.cpp.
#include "probes/security/identity_linux.hpp"

namespace capprobe::probes {

IdentityFacts collect_identity(const platform::Platform& os) {
  // The names come from this container's own /etc (read_through, not the system root): a uid's
  // name is whatever the image that runs it says.
  return IdentityFacts{read_proc_status(os), os.read_through("/etc/passwd", 4 << 20),
                       os.read_through("/etc/group", 4 << 20), read_user_namespace_facts(os)};
}

Probe security_identity_linux_probe() {
  return {security_identity_info(),
          [](ProbeContext& ctx) { return judge_identity(collect_identity(ctx.os), ctx.requests); }};
}

}  // namespace capprobe::probes
