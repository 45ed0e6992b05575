// Reading the process's LSM label and the LSMs' switches through LinuxFacts.
#include "probes/security/lsm.hpp"

#include "platform/linux_facts.hpp"

namespace capprobe::probes {

LsmFacts read_lsm_facts(const platform::Platform& os) {
  return LsmFacts{
      platform::linux_facts(os).read_file(kAppArmorCurrentPath, 4096),
      platform::linux_facts(os).read_file(kAttrCurrentPath, 4096),
      platform::linux_facts(os).read_file(kSelinuxEnforcePath, 64),
      platform::linux_facts(os).read_file(kAppArmorEnabledPath, 64),
  };
}

}  // namespace capprobe::probes
