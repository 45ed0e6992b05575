# The host probes' sources, included from probes/CMakeLists.txt: what every OS builds, what
# collects Linux facts (*_linux.cpp) and what collects Windows facts (*_windows.cpp).
# namespaces.cpp reads Linux namespace links for the isolation assessment too, which is in the
# OS-neutral library (see isolation/sources.cmake), so it is there as well.
list(APPEND CAPPROBE_PROBE_SOURCES
  host/namespaces.cpp
  host/verdict.cpp
  host/network.cpp
  host/pid.cpp
  host/ipc.cpp
)
list(APPEND CAPPROBE_PROBE_LINUX_SOURCES
  host/network_linux.cpp
  host/pid_linux.cpp
  host/ipc_linux.cpp
)
list(APPEND CAPPROBE_PROBE_WINDOWS_SOURCES
  host/host_windows.cpp
  host/network_windows.cpp
  host/pid_windows.cpp
  host/ipc_windows.cpp
)
