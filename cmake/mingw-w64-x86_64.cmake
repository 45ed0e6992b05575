# Cross-compiling capprobe for 64-bit Windows with Debian's mingw-w64 (g++-mingw-w64-x86-64-posix):
#   cmake -S . -B build-windows -G Ninja --toolchain cmake/mingw-w64-x86_64.cmake
# scripts/build-windows.sh installs the compiler and Wine, and does exactly that.
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)

# The posix threading flavour: the win32 flavour's libstdc++ has no std::thread, std::mutex or
# std::condition_variable, which the runner and the probes' worker threads use.
set(CMAKE_C_COMPILER x86_64-w64-mingw32-gcc-posix)
set(CMAKE_CXX_COMPILER x86_64-w64-mingw32-g++-posix)
set(CMAKE_RC_COMPILER x86_64-w64-mingw32-windres)

# Libraries and headers for the target come from mingw's sysroot only; programs (the build's own
# tools) from the build machine. The header-only libraries are the exception, handed in one
# directory at a time by cmake/cross_header_libraries.cmake, because Debian's package files for
# them would add -isystem /usr/include, where glibc's headers hide mingw's.
set(CMAKE_FIND_ROOT_PATH /usr/x86_64-w64-mingw32)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# libstdc++, libgcc and winpthread linked in: the .exe then needs no DLL beyond Windows' own
# (kernel32, msvcrt, ...), so it can be copied onto a node or into a container image alone.
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static")

# Test executables run under Wine, each in this build directory's own throwaway prefix
# (tests/windows/wine-run.sh says how); Catch2's test discovery runs through it as well.
cmake_path(SET capprobe_wine_run NORMALIZE "${CMAKE_CURRENT_LIST_DIR}/../tests/windows/wine-run.sh")
set(CMAKE_CROSSCOMPILING_EMULATOR "${capprobe_wine_run};--prefix;${CMAKE_BINARY_DIR}/wine-prefix")
