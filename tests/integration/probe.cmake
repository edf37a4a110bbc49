# mcpx-probe: runs the real static binary against tiny in-test servers on loopback.
add_executable(probe_tests ${CMAKE_CURRENT_LIST_DIR}/probe_test.cpp)
target_link_libraries(probe_tests PRIVATE GTest::gtest_main Threads::Threads)
target_include_directories(probe_tests PRIVATE ${PROJECT_SOURCE_DIR}/apps/mcpx-probe)
target_compile_definitions(probe_tests PRIVATE MCPX_PROBE_PATH="$<TARGET_FILE:mcpx-probe>"
                                               MCPX_PROBE_SANITIZED=$<BOOL:${MCPX_SANITIZE}>)
add_dependencies(probe_tests mcpx-probe)
gtest_discover_tests(probe_tests DISCOVERY_TIMEOUT 30 PROPERTIES TIMEOUT 60)
