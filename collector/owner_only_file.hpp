// Files only the collector's own user may read or write: the database holds the fleet's evidence
// (mounts, kernels, what every node can and cannot do), which is nobody else's to read.
#pragma once

#include <string>
#include <variant>

namespace capprobe::collector {

enum class IfMissing { create, leave };

struct OwnerOnly {
  enum class Found { created, missing, already_owner_only, tightened };
  Found found = Found::already_owner_only;
  std::string was;  // when tightened: the access it had, as the OS writes it ("0644")
};

// Makes `path` a file that only its owner may read and write. A missing file is created so
// (never open to others, not even between its creation and a change of mode) or left missing;
// an existing one loses every access but its owner's. Errors as values: a message naming the path.
std::variant<OwnerOnly, std::string> make_owner_only(const std::string& path, IfMissing if_missing);

}  // namespace capprobe::collector
