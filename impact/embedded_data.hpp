// The impact data files as compiled into the binary (impact/embed.cmake generates the .cpp).
#pragma once

#include <string_view>
#include <vector>

namespace capprobe::impact {

struct EmbeddedFile {
  std::string_view name;     // "k8s-1.30.json", "profiles.json"
  std::string_view content;  // the file, byte for byte
};

// Built on first call: a run that never asks for the impact never touches the data.
const std::vector<EmbeddedFile>& embedded_files();

}  // namespace capprobe::impact
