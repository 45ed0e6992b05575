# The topology probes' sources, included from probes/CMakeLists.txt: what every OS builds, what
# collects Linux facts (*_linux.cpp) and what collects Windows facts (*_windows.cpp).
list(APPEND CAPPROBE_PROBE_SOURCES
  topology/numa.cpp
)
list(APPEND CAPPROBE_PROBE_LINUX_SOURCES
  topology/numa_linux.cpp
)
list(APPEND CAPPROBE_PROBE_WINDOWS_SOURCES
  topology/numa_windows.cpp
)
