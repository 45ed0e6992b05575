// Evidence helpers: an optional fact becomes its value or JSON null, so that "not known" stays
// visible in the evidence instead of a missing key or a made-up default.
#pragma once

#include <optional>

#include <nlohmann/json.hpp>

namespace capprobe::probes {

template <class T>
nlohmann::json json_or_null(const std::optional<T>& value) {
  return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

}  // namespace capprobe::probes
