// Reading this process's access token through WindowsFacts, and whether it runs in a HostProcess
// container.
#include "probes/security/access_token.hpp"

namespace capprobe::probes::token {

AccessTokenFacts read_access_token(const platform::Platform& os) {
  return AccessTokenFacts{platform::windows_facts(os).token(), os.env(kSandboxMountPointEnv)};
}

}  // namespace capprobe::probes::token
