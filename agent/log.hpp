// One named logger per component (STYLE.md #8), all writing to stderr so stdout stays the report.
#pragma once

#include <memory>
#include <string>

#include <spdlog/spdlog.h>

namespace capprobe::agent {

std::shared_ptr<spdlog::logger> logger(const std::string& component);

}  // namespace capprobe::agent
