// `capprobe agent`: the periodic agent (DESIGN.md "Command line"). main() hands it the words
// after "agent"; it parses them itself (--help, one-line usage errors with exit 2).
#pragma once

#include <string>
#include <vector>

namespace capprobe::agent {

// Exit status: 0 stopped by SIGTERM/SIGINT, or --once delivered or spooled the report;
// 1 the agent could not start (spool, --listen) or --once lost the report or had it rejected;
// 2 usage error. Expects logging configured by main (CAPPROBE_LOG); when CAPPROBE_LOG is not
// set, the agent logs at info so that its lifecycle is visible in `kubectl logs`.
int agent_main(const std::vector<std::string>& args);

}  // namespace capprobe::agent
