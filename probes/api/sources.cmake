# The api probes' sources, included from probes/CMakeLists.txt.
list(APPEND CAPPROBE_PROBE_SOURCES api/service_account.cpp)
list(APPEND CAPPROBE_PROBE_LINUX_SOURCES api/service_account_linux.cpp)
list(APPEND CAPPROBE_PROBE_WINDOWS_SOURCES api/service_account_windows.cpp)
