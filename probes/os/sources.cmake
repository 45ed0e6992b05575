# The os probes' sources, included from probes/CMakeLists.txt: what every OS builds, what
# collects Linux facts (*_linux.cpp) and what collects Windows facts (*_windows.cpp).
list(APPEND CAPPROBE_PROBE_SOURCES
  os/platform_os.cpp
  os/windows_release.cpp
)
list(APPEND CAPPROBE_PROBE_LINUX_SOURCES
  os/platform_os_linux.cpp
)
list(APPEND CAPPROBE_PROBE_WINDOWS_SOURCES
  os/platform_os_windows.cpp
)
