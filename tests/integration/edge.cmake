# The edge of the server against hostile clients (edge_*_test.cpp). Each test runs in its own
# process (gtest_discover_tests), so the framing tests can read the server's resident memory.
add_executable(edge_tests ${CMAKE_CURRENT_LIST_DIR}/edge_framing_test.cpp
                          ${CMAKE_CURRENT_LIST_DIR}/edge_connections_test.cpp ${CMAKE_CURRENT_LIST_DIR}/edge_ops_test.cpp)
target_link_libraries(edge_tests PRIVATE mcpx GTest::gtest_main)
target_include_directories(edge_tests PRIVATE ${PROJECT_SOURCE_DIR}/src)
gtest_discover_tests(edge_tests DISCOVERY_TIMEOUT 30 PROPERTIES TIMEOUT 60)
