# The net probes' sources, included from probes/CMakeLists.txt.
list(APPEND CAPPROBE_PROBE_SOURCES
  net/dns_message.cpp
  net/dns.cpp
  net/host_port.cpp
)
list(APPEND CAPPROBE_PROBE_LINUX_SOURCES
  net/dns_linux.cpp
  net/host_port_linux.cpp
)
list(APPEND CAPPROBE_PROBE_WINDOWS_SOURCES
  net/dns_windows.cpp
  net/host_port_windows.cpp
)
