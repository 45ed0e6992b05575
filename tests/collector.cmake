# The fleet collector's tests: unit tests of its logic, integration tests that run it as a real
# process on loopback, and the benchmark's tools. Included from tests/CMakeLists.txt.

# Realistic reports, the child-process harness and a small HTTP client, shared by the tests and
# the benchmark.
add_library(capprobe_collector_test_support STATIC
  integration/collector/support/sample_report.cpp
  integration/collector/support/http_client.cpp
  integration/collector/support/collector_process.cpp
  integration/collector/support/raw_socket.cpp
  integration/collector/support/postgres_server.cpp
)
target_include_directories(capprobe_collector_test_support PUBLIC
  ${CMAKE_CURRENT_SOURCE_DIR}/integration/collector)
target_link_libraries(capprobe_collector_test_support PUBLIC capprobe_report_model Boost::headers
  nlohmann_json::nlohmann_json OpenSSL::SSL Threads::Threads capprobe_test_pki)
target_compile_definitions(capprobe_collector_test_support PRIVATE
  CAPPROBE_COLLECTOR_BIN="$<TARGET_FILE:capprobe-collector>")
add_dependencies(capprobe_collector_test_support capprobe-collector)

add_executable(collector-bench-tool bench/collector/bench_tool.cpp)
target_link_libraries(collector-bench-tool PRIVATE capprobe_collector capprobe_collector_test_support)
# It times code inlined from headers (the matrix, JSON): at the product's -O3, not the tests' -O1
# (tests/CMakeLists.txt), whose flag comes earlier on the command line.
if(NOT MSVC)
  target_compile_options(collector-bench-tool PRIVATE $<$<CONFIG:Release>:-O3>)
endif()

function(capprobe_collector_tests name)
  add_executable(${name} ${ARGN} $<TARGET_OBJECTS:capprobe_catch_main>)
  target_link_libraries(${name} PRIVATE Catch2::Catch2 capprobe_collector
                        capprobe_collector_test_support)
  catch_discover_tests(${name} TEST_PREFIX "${name}: "
                       EXTRA_ARGS -w NoTests
                       PROPERTIES LABELS collector SKIP_REGULAR_EXPRESSION "SKIPPED:")
endfunction()

capprobe_collector_tests(unit_collector
  unit/collector/options_test.cpp
  unit/collector/url_test.cpp
  unit/collector/credentials_test.cpp
  unit/collector/tls_test.cpp
  unit/collector/validate_test.cpp
  unit/collector/validate_json_test.cpp
  unit/collector/display_name_test.cpp
  unit/collector/matrix_test.cpp
  unit/collector/matrix_cache_test.cpp
  unit/collector/matrix_tally_test.cpp
  unit/collector/store_test.cpp
  unit/collector/checkpointer_test.cpp
  unit/collector/ingest_test.cpp
  unit/collector/metrics_html_test.cpp
  unit/collector/impact_cache_test.cpp
)
target_compile_definitions(unit_collector PRIVATE CAPPROBE_FIXTURES="${CAPPROBE_FIXTURES}")

# Integration: the collector as a real process on loopback.
capprobe_collector_tests(integration_collector
  integration/collector/api_test.cpp
  integration/collector/bad_input_test.cpp
  integration/collector/durability_test.cpp
  integration/collector/data_at_rest_test.cpp
  integration/collector/html_chromium_test.cpp
  integration/collector/credentials_test.cpp
  integration/collector/tls_test.cpp
  integration/collector/impact_test.cpp
  integration/collector/postgres_test.cpp
  integration/collector/postgres_store_test.cpp
)
target_compile_definitions(integration_collector PRIVATE
  CAPPROBE_SCREENSHOT_DIR="${CMAKE_CURRENT_BINARY_DIR}" CAPPROBE_FIXTURES="${CAPPROBE_FIXTURES}")
