// What the agent integration tests read from a running agent: the collector URL it is given
// and the report ids it logs as made.
#pragma once

#include <cstdint>
#include <regex>
#include <string>
#include <vector>

#include "child_process.hpp"

namespace capprobe::it {

inline std::string url_of_port(std::uint16_t port) {
  return "http://127.0.0.1:" + std::to_string(port);
}

// The report ids the agent logged as made, in order.
inline std::vector<std::string> rounds_logged(const ChildProcess& child) {
  static const std::regex done("probe round done report_id=([0-9a-f-]+)");
  std::vector<std::string> ids;
  const auto err = child.err();
  for (std::sregex_iterator it(err.begin(), err.end(), done), end; it != end; ++it)
    ids.push_back((*it)[1]);
  return ids;
}

}  // namespace capprobe::it
