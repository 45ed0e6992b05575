// The Linux catalog, built from the one list in linux_probes.hpp. Adding a probe: its file under
// probes/<area>/, its test, and one line in that list.
#include <set>
#include <stdexcept>

#include "probes/common/judge.hpp"
#include "probes/common/text.hpp"
#include "probes/linux_probes.hpp"

namespace capprobe::probes {

namespace {
// Every summary is shown as a sentence of its own. The judges build summaries from fragments
// that also read well inside the shared "... is not in effect: <what was seen>" wording, so the
// capital letter is added here, once for every probe.
std::vector<Probe> checked(std::vector<Probe> probes) {
  std::set<std::string> ids;
  for (auto& probe : probes) {
    if (!ids.insert(probe.info.id).second)
      throw std::logic_error("two probes claim the id " + probe.info.id);
    probe.run = [run = std::move(probe.run), scope = probe.info.scope](ProbeContext& ctx) {
      auto result = run(ctx);
      explain_unknown_container(result, ctx.requests, scope);
      result.summary = text::capitalized(result.summary);
      return result;
    };
  }
  return probes;
}
}  // namespace

const std::vector<Probe>& registered_probes() {
#define CAPPROBE_MAKE(name) name##_probe(),
  static const std::vector<Probe> probes = checked({CAPPROBE_LINUX_PROBES(CAPPROBE_MAKE)});
#undef CAPPROBE_MAKE
  return probes;
}

}  // namespace capprobe::probes
