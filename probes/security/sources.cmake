# The security probes' sources, included from probes/CMakeLists.txt: what every OS builds, what
# collects Linux facts (*_linux.cpp) and what collects Windows facts (*_windows.cpp).
list(APPEND CAPPROBE_PROBE_SOURCES
  security/cap_names.cpp
  security/lsm.cpp
  security/user_namespace.cpp
  security/access_token.cpp
  security/identity.cpp
  security/capabilities.cpp
  security/confinement.cpp
)
list(APPEND CAPPROBE_PROBE_LINUX_SOURCES
  security/lsm_linux.cpp
  security/user_namespace_linux.cpp
  security/identity_linux.cpp
  security/capabilities_linux.cpp
  security/confinement_linux.cpp
)
list(APPEND CAPPROBE_PROBE_WINDOWS_SOURCES
  security/access_token_windows.cpp
  security/identity_windows.cpp
  security/capabilities_windows.cpp
  security/confinement_windows.cpp
)
