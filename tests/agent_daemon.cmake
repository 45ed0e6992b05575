# Tests of the periodic agent (`capprobe agent`, agent/daemon/): unit tests of its parts, and
# integration tests that run the agent as a real process against a fake collector on loopback.
# Included from tests/CMakeLists.txt.

add_executable(unit_agent_daemon
  unit/agent_daemon/duration_test.cpp
  unit/agent_daemon/options_test.cpp
  unit/agent_daemon/spool_test.cpp
  unit/agent_daemon/delivery_test.cpp
  unit/agent_daemon/nfd_file_test.cpp
  unit/agent_daemon/agent_loop_test.cpp
  $<TARGET_OBJECTS:capprobe_catch_main>
)
target_link_libraries(unit_agent_daemon PRIVATE Catch2::Catch2 capprobe_agent_daemon)
catch_discover_tests(unit_agent_daemon TEST_PREFIX "unit_agent_daemon: "
                     PROPERTIES LABELS "unit;agent" SKIP_REGULAR_EXPRESSION "SKIPPED:")
