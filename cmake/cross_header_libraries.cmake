# The header-only libraries of a cross build (nlohmann-json, spdlog with fmt, Catch2, Boost),
# taken from the build machine's Debian packages: the headers are the same for every target.
# Debian's CMake package files for them cannot be used here: they add -isystem /usr/include, and
# glibc's headers there then hide mingw's (<stdlib.h>, <pthread.h>...). So each library's own
# folder is linked (not copied) into a directory that holds nothing else, and targets with the
# names the native build gets from find_package point at that directory.
set(CAPPROBE_HOST_INCLUDE /usr/include CACHE PATH "Where the header-only libraries' folders are")
set(capprobe_header_dir "${CMAKE_BINARY_DIR}/header-only-libraries")
file(MAKE_DIRECTORY "${capprobe_header_dir}")

# folder under /usr/include -> the Debian package that ships it
set(capprobe_header_packages
  nlohmann nlohmann-json3-dev
  spdlog libspdlog-dev
  fmt libfmt-dev
  catch2 catch2
  boost libboost-dev
)
while(capprobe_header_packages)
  list(POP_FRONT capprobe_header_packages folder package)
  if(NOT IS_DIRECTORY "${CAPPROBE_HOST_INCLUDE}/${folder}")
    message(FATAL_ERROR "${CAPPROBE_HOST_INCLUDE}/${folder} is missing: install ${package}")
  endif()
  file(CREATE_LINK "${CAPPROBE_HOST_INCLUDE}/${folder}" "${capprobe_header_dir}/${folder}" SYMBOLIC)
endwhile()

function(capprobe_header_library target)
  add_library(${target} INTERFACE IMPORTED)
  set_target_properties(${target} PROPERTIES INTERFACE_INCLUDE_DIRECTORIES "${capprobe_header_dir}")
endfunction()

capprobe_header_library(nlohmann_json::nlohmann_json)
capprobe_header_library(Boost::headers)
capprobe_header_library(Catch2::Catch2)

# Debian's spdlog is built against the system fmt (its tweakme.h defines SPDLOG_FMT_EXTERNAL and
# it ships no bundled copy), so both go header-only: spdlog is header-only unless
# SPDLOG_COMPILED_LIB is defined, fmt when FMT_HEADER_ONLY is.
capprobe_header_library(spdlog::spdlog)
set_target_properties(spdlog::spdlog PROPERTIES
  INTERFACE_COMPILE_DEFINITIONS "FMT_HEADER_ONLY"
  INTERFACE_LINK_LIBRARIES Threads::Threads)

# Catch.cmake (catch_discover_tests) comes from the catch2 package's CMake folder; it is plain
# CMake, with nothing of the build machine's in it.
list(APPEND CMAKE_MODULE_PATH /usr/lib/cmake/Catch2)
