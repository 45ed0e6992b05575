// security.confinement on Windows: the process token (its integrity level, for the evidence),
// handed to the judge in confinement.cpp.
#include "probes/security/confinement_windows.hpp"

namespace capprobe::probes {

Probe security_confinement_windows_probe() {
  return {security_confinement_info(), [](ProbeContext& ctx) {
            return judge_windows_confinement(token::read_access_token(ctx.os), ctx.requests);
          }};
}

}  // namespace capprobe::probes
