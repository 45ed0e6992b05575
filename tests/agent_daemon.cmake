# Tests of the periodic agent (`capprobe agent`, agent/daemon/): unit tests of its parts, and
# integration tests that run the agent as a real process against a fake collector on loopback.
# Included from tests/CMakeLists.txt. All carry the one label "agent" (catch_discover_tests
# flattens a list-valued LABELS property into separate words, so "unit;agent" cannot be given).

add_executable(unit_agent_daemon
  unit/agent_daemon/duration_test.cpp
  unit/agent_daemon/options_test.cpp
  unit/agent_daemon/spool_test.cpp
  unit/agent_daemon/delivery_test.cpp
  unit/agent_daemon/delivery_helper_test.cpp
  unit/agent_daemon/pod_get_rules_test.cpp
  unit/agent_daemon/round_child_test.cpp
  unit/agent_daemon/nfd_file_test.cpp
  unit/agent_daemon/output_file_test.cpp
  unit/agent_daemon/agent_loop_test.cpp
  unit/agent_daemon/sonobuoy_test.cpp
  $<TARGET_OBJECTS:capprobe_catch_main>
)
target_link_libraries(unit_agent_daemon PRIVATE Catch2::Catch2 capprobe_http_delivery
                      capprobe_platform_fake)
catch_discover_tests(unit_agent_daemon TEST_PREFIX "unit_agent_daemon: "
                     EXTRA_ARGS -w NoTests
                     PROPERTIES LABELS agent SKIP_REGULAR_EXPRESSION "SKIPPED:")

# The integration tests run the real command: `capprobe agent ...`.
set(CAPPROBE_AGENT_TEST_COMMAND "$<TARGET_FILE:capprobe>")

# The fake API server and the loopback HTTP(S) server under it, compiled once for the
# integration tests and the capprobe-fake-api-server program below (they were the slowest units
# of the tests' build, compiled twice).
add_library(capprobe_fake_api_server_objects OBJECT
  integration/agent/fake_api_server.cpp
  integration/agent/loopback_http.cpp
)
target_link_libraries(capprobe_fake_api_server_objects PUBLIC
  Boost::headers nlohmann_json::nlohmann_json OpenSSL::SSL Threads::Threads)

add_executable(integration_agent
  integration/agent/agent_test.cpp
  integration/agent/collector_e2e_test.cpp
  integration/agent/tls_test.cpp
  integration/agent/pod_lookup_test.cpp
  integration/agent/sonobuoy_test.cpp
  integration/agent/child_process.cpp
  integration/agent/test_certificates.cpp
  $<TARGET_OBJECTS:capprobe_fake_api_server_objects>
  $<TARGET_OBJECTS:capprobe_catch_main>
)
# OpenSSL: the fake collector's HTTPS (Boost.Beast over Asio's OpenSSL); capprobe_test_pki: the
# certificates it serves; capprobe_collector_test_support (tests/collector.cmake): the real
# collector as a child process and an HTTPS client, for the test against it over TLS.
target_link_libraries(integration_agent PRIVATE Catch2::Catch2 Boost::headers
  nlohmann_json::nlohmann_json OpenSSL::SSL Threads::Threads capprobe_test_pki
  capprobe_collector_test_support)
# The real collector for the end-to-end tests: tests/collector.cmake's capprobe-collector.
target_compile_definitions(integration_agent PRIVATE
  CAPPROBE_AGENT_BIN="${CAPPROBE_AGENT_TEST_COMMAND}"
  CAPPROBE_FIXTURES="${CAPPROBE_FIXTURES}"
  CAPPROBE_COLLECTOR_BIN="$<TARGET_FILE:capprobe-collector>")
add_dependencies(integration_agent capprobe capprobe-collector)
# RUN_SERIAL: the idle-CPU check and the round timings must not share the machine with other
# tests under ctest -j.
catch_discover_tests(integration_agent TEST_PREFIX "integration_agent: "
                     EXTRA_ARGS -w NoTests
                     PROPERTIES LABELS agent SKIP_REGULAR_EXPRESSION "SKIPPED:"
                                RUN_SERIAL TRUE TIMEOUT 180)

# The fake API server as a program (integration/agent/fake_api_server_main.cpp), for the Windows
# build's own-pod GET under Wine (tests/windows/agent/pod_get_e2e.sh finds it in the Linux build
# given as CAPPROBE_LINUX_BUILD_DIR).
add_executable(capprobe-fake-api-server
  integration/agent/fake_api_server_main.cpp
  $<TARGET_OBJECTS:capprobe_fake_api_server_objects>
)
target_link_libraries(capprobe-fake-api-server PRIVATE
  Boost::headers nlohmann_json::nlohmann_json OpenSSL::SSL Threads::Threads)
target_compile_definitions(capprobe-fake-api-server PRIVATE CAPPROBE_FIXTURES="${CAPPROBE_FIXTURES}")
