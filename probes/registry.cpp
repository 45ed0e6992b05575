// What every OS's catalog does to its probes: refuse two probes with one id, and wrap each run
// so that its summary is a sentence and says why a container-level request is unknown.
#include <set>
#include <stdexcept>

#include "probes/common/judge.hpp"
#include "probes/common/text.hpp"
#include "probes/probe_list.hpp"

namespace capprobe::probes {

// Every summary is shown as a sentence of its own. The judges build summaries from fragments
// that also read well inside the shared "... is not in effect: <what was seen>" wording, so the
// capital letter is added here, once for every probe.
std::vector<Probe> checked_catalog(std::vector<Probe> probes) {
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

}  // namespace capprobe::probes
