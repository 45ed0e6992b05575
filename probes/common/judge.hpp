// Shared verdict rules for capabilities that a pod-spec field switches on (hostPID,
// readOnlyRootFilesystem, a CPU limit...). One place decides what "requested but ignored" means
// so that every probe words and flags it the same way.
#pragma once

#include <string>
#include <string_view>

#include "probes/requests.hpp"
#include "probes/result.hpp"

namespace capprobe::probes {

// The prefix every "requested but ignored" summary starts with; the formats and tests key on it.
inline constexpr std::string_view kIgnoredPrefix = "REQUESTED BUT IGNORED: ";

// Sets status and summary from whether the feature is in effect here:
//  in effect                  -> supported (demonstrated), whatever was requested;
//  not in effect, requested   -> unsupported, summary "REQUESTED BUT IGNORED: <field> ... <seen>";
//  not in effect, not asked   -> untested: nothing shows whether the field would be honoured.
// `result.requested` must already be set.
void judge_switch(CapabilityResult& result, bool in_effect, std::string_view field,
                  std::string_view seen_text);

// For a capability that was requested and is demonstrably not in effect.
void mark_ignored(CapabilityResult& result, std::string_view field, std::string_view seen_text);

// Sets status, observed and summary together, so that no verdict is left half written.
void set_verdict(CapabilityResult& result, Status status, std::string observed,
                 std::string summary);

// Whether the pod spec speaks for fields of `scope` here: a pod spec was given and, for the
// container's fields, which container this process is is known. Where it speaks, a field it
// leaves out is the Kubernetes default (not requested); where it does not, it is unknown.
bool spec_covers(const PodRequests& requests, SpecScope scope);

// `requested` for a capability that a container's field asks for by being there (a limit,
// runAsUser, a capability to drop): true when asked, false when the pod spec covers this
// container and leaves it out (the Kubernetes default), null when no pod spec is known or not
// which of its containers this process is.
std::optional<bool> requested_when(bool asked, const PodRequests& requests);

// A result whose request is unknown gets the reason in its summary. The registry applies this
// to every probe's result, so that no judge has to word it (and none can forget to):
//  - explain_refused below, first;
//  - a SpecScope::container probe's null `requested` because the pod spec's container could not
//    be told.
void explain_unknown_container(CapabilityResult& result, const PodRequests& requests,
                               SpecScope scope);

// A capability that the pod spec asks for only through fields the API server refuses for the
// pod's spec.os.name (requests.refused): its `requested` becomes null, not false, and the
// summary names those fields. A request that valid fields make true stays true.
void explain_refused(CapabilityResult& result, const PodRequests& requests);

}  // namespace capprobe::probes
