# The isolation probes' sources, included from probes/CMakeLists.txt: what every OS builds, what
# collects Linux facts (*_linux.cpp) and what collects Windows facts (*_windows.cpp).
#
# The isolation assessment is not a probe but a service of the round: the runner, the report's
# subject and several probes (host.*, the CPU limit) ask it through assess_isolation() and
# isolation_of(), which pick the OS by the facts the platform has. Its collectors and judges of
# both OSes (assess_*, collect_*, and host/namespaces.cpp, which they read the Linux namespace
# links with) are therefore in the OS-neutral library: every library and the agent reach them.
# They are pure logic over the platform interfaces, like every collector, and build everywhere.
list(APPEND CAPPROBE_PROBE_SOURCES
  isolation/assess.cpp
  isolation/assess_linux.cpp
  isolation/collect_linux.cpp
  isolation/assess_windows.cpp
  isolation/collect_windows.cpp
  isolation/kernel.cpp
)
list(APPEND CAPPROBE_PROBE_LINUX_SOURCES
  isolation/kernel_linux.cpp
)
list(APPEND CAPPROBE_PROBE_WINDOWS_SOURCES
  isolation/kernel_windows.cpp
)
