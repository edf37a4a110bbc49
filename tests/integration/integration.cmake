add_executable(integration_tests ${CMAKE_CURRENT_LIST_DIR}/hostile_input_test.cpp ${CMAKE_CURRENT_LIST_DIR}/sessions_test.cpp
               ${CMAKE_CURRENT_LIST_DIR}/ops_test.cpp ${CMAKE_CURRENT_LIST_DIR}/inline_handlers_test.cpp
               ${CMAKE_CURRENT_LIST_DIR}/connection_test.cpp)
target_link_libraries(integration_tests PRIVATE mcpx GTest::gtest_main)
target_include_directories(integration_tests PRIVATE ${PROJECT_SOURCE_DIR}/src)
target_compile_definitions(integration_tests PRIVATE MCPX_CONFORMANCE_PATH="$<TARGET_FILE:mcpx-conformance>"
                           MCPX_PROBE_PATH="$<TARGET_FILE:mcpx-probe>" MCPX_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
add_dependencies(integration_tests mcpx-conformance mcpx-probe)
gtest_discover_tests(integration_tests DISCOVERY_TIMEOUT 30 PROPERTIES TIMEOUT 60)
