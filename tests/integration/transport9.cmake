# Hardening the edge: origins, media types, and the lifetime of a session's streams and events.
add_executable(edge_tests ${CMAKE_CURRENT_LIST_DIR}/edge_test.cpp ${CMAKE_CURRENT_LIST_DIR}/stream_lifetime_test.cpp)
target_link_libraries(edge_tests PRIVATE mcpx GTest::gtest_main)
target_include_directories(edge_tests PRIVATE ${PROJECT_SOURCE_DIR}/src)
gtest_discover_tests(edge_tests DISCOVERY_TIMEOUT 30 PROPERTIES TIMEOUT 60)
