add_executable(integration_tests ${CMAKE_CURRENT_LIST_DIR}/hostile_input_test.cpp ${CMAKE_CURRENT_LIST_DIR}/sessions_test.cpp
               ${CMAKE_CURRENT_LIST_DIR}/ops_test.cpp ${CMAKE_CURRENT_LIST_DIR}/inline_handlers_test.cpp
               ${CMAKE_CURRENT_LIST_DIR}/connection_test.cpp ${CMAKE_CURRENT_LIST_DIR}/refusals_test.cpp
               ${CMAKE_CURRENT_LIST_DIR}/limits_test.cpp ${CMAKE_CURRENT_LIST_DIR}/deadlines_test.cpp
               ${CMAKE_CURRENT_LIST_DIR}/short_calls_test.cpp)
target_link_libraries(integration_tests PRIVATE mcpx GTest::gtest_main)
target_include_directories(integration_tests PRIVATE ${PROJECT_SOURCE_DIR}/src)
target_compile_definitions(integration_tests PRIVATE MCPX_CONFORMANCE_PATH="$<TARGET_FILE:mcpx-conformance>"
                           MCPX_PROBE_PATH="$<TARGET_FILE:mcpx-probe>" MCPX_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
add_dependencies(integration_tests mcpx-conformance mcpx-probe)
gtest_discover_tests(integration_tests DISCOVERY_TIMEOUT 30 PROPERTIES TIMEOUT 60)

# The listener out of file descriptors: its own executable, so the forked server child starts
# from a process with no other test's threads or sockets.
add_executable(http_accept_tests ${CMAKE_CURRENT_LIST_DIR}/accept_test.cpp)
target_link_libraries(http_accept_tests PRIVATE mcpx_http mcpx_boost_json GTest::gtest_main)
target_include_directories(http_accept_tests PRIVATE ${PROJECT_SOURCE_DIR}/src)
if(MCPX_SANITIZE)
  target_compile_definitions(http_accept_tests PRIVATE MCPX_SANITIZED=1)
endif()
gtest_discover_tests(http_accept_tests DISCOVERY_TIMEOUT 30 PROPERTIES TIMEOUT 60)

# The HTTP layer alone (src/http), linked without the MCP layers above it.
add_executable(http_tests ${CMAKE_CURRENT_LIST_DIR}/http_limits_test.cpp)
target_link_libraries(http_tests PRIVATE mcpx_http mcpx_boost_json GTest::gtest_main)
target_include_directories(http_tests PRIVATE ${PROJECT_SOURCE_DIR}/src)
gtest_discover_tests(http_tests DISCOVERY_TIMEOUT 30 PROPERTIES TIMEOUT 60)
