// security.confinement on Linux: /proc/self/status (Seccomp, NoNewPrivs) and the LSM label,
// handed to the judge in confinement.cpp.
#include "probes/security/confinement_linux.hpp"

namespace capprobe::probes {

ConfinementFacts collect_confinement(const platform::Platform& os, const PodRequests& requests) {
  return ConfinementFacts{read_proc_status(os), read_lsm_facts(os), requests};
}

Probe security_confinement_linux_probe() {
  return {security_confinement_info(), [](ProbeContext& ctx) {
            return judge_confinement(collect_confinement(ctx.os, ctx.requests));
          }};
}

}  // namespace capprobe::probes
