# The resources probes' sources, included from probes/CMakeLists.txt: what every OS builds, what
# collects Linux facts (*_linux.cpp) and what collects Windows facts (*_windows.cpp).
list(APPEND CAPPROBE_PROBE_SOURCES
  resources/cgroup.cpp
  resources/cpu_limit.cpp
  resources/memory_limit.cpp
)
list(APPEND CAPPROBE_PROBE_LINUX_SOURCES
  resources/cgroup_linux.cpp
  resources/cpu_limit_linux.cpp
  resources/memory_limit_linux.cpp
)
list(APPEND CAPPROBE_PROBE_WINDOWS_SOURCES
  resources/cpu_limit_windows.cpp
  resources/memory_limit_windows.cpp
)
