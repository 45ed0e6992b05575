# The fs probes' sources, included from probes/CMakeLists.txt: what every OS builds, what
# collects Linux facts (*_linux.cpp) and what collects Windows facts (*_windows.cpp).
list(APPEND CAPPROBE_PROBE_SOURCES
  fs/mount_places.cpp
  fs/write_attempt.cpp
  fs/symlink.cpp
  fs/readonly_root.cpp
  fs/host_path.cpp
  fs/pipe_mount.cpp
  fs/sub_path.cpp
  fs/empty_dir.cpp
)
list(APPEND CAPPROBE_PROBE_LINUX_SOURCES
  fs/symlink_linux.cpp
  fs/readonly_root_linux.cpp
  fs/host_path_linux.cpp
  fs/pipe_mount_linux.cpp
  fs/sub_path_linux.cpp
  fs/empty_dir_linux.cpp
)
list(APPEND CAPPROBE_PROBE_WINDOWS_SOURCES
  fs/paths_windows.cpp
  fs/symlink_windows.cpp
  fs/readonly_root_windows.cpp
  fs/host_path_windows.cpp
  fs/pipe_mount_windows.cpp
  fs/sub_path_windows.cpp
  fs/empty_dir_windows.cpp
)
