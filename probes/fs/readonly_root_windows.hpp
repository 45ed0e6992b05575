// fs.readonly_root on Windows: readOnlyRootFilesystem does not exist there (the API server
// rejects it for pods whose spec.os.name is windows, and kubelet has nothing to apply it with),
// so the verdict is not_applicable, with a real write in the root of the system drive as
// evidence; asked for anyway (a pod without spec.os), it is requested but ignored.
#pragma once

#include <optional>
#include <string>

#include "probes/fs/readonly_root.hpp"
#include "probes/fs/write_attempt.hpp"

namespace capprobe::probes::fs {

struct WindowsReadonlyRootFacts {
  std::string system_drive = "C:";       // %SystemDrive%
  WriteAttempt root;                     // a scratch file in the root of the system drive, removed
  std::optional<bool> volume_read_only;  // fs_info: the volume says it is read-only
  std::optional<std::string> volume_error;
  std::optional<bool> requested;  // readOnlyRootFilesystem
  bool host_process = false;      // then the drive is the node's own
};

WindowsReadonlyRootFacts collect_windows_readonly_root_facts(ProbeContext& ctx);
CapabilityResult judge_windows_readonly_root(const WindowsReadonlyRootFacts& facts);

}  // namespace capprobe::probes::fs
