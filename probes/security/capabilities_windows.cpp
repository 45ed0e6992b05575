// security.capabilities on Windows: the process token (GetTokenInformation: TokenPrivileges,
// TokenIntegrityLevel, TokenElevation), handed to the judge in capabilities.cpp.
#include "probes/security/capabilities_windows.hpp"

namespace capprobe::probes {

Probe security_capabilities_windows_probe() {
  return {security_capabilities_info(), [](ProbeContext& ctx) {
            return judge_windows_capabilities(token::read_access_token(ctx.os), ctx.requests);
          }};
}

}  // namespace capprobe::probes
