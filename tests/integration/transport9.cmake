# Hardening the edge: origins, media types, and the lifetime of a session's streams and events.
add_executable(stream_edge_tests ${CMAKE_CURRENT_LIST_DIR}/edge_test.cpp ${CMAKE_CURRENT_LIST_DIR}/stream_lifetime_test.cpp
                                 ${CMAKE_CURRENT_LIST_DIR}/event_budget_test.cpp)
target_link_libraries(stream_edge_tests PRIVATE mcpx GTest::gtest_main)
target_include_directories(stream_edge_tests PRIVATE ${PROJECT_SOURCE_DIR}/src)
gtest_discover_tests(stream_edge_tests DISCOVERY_TIMEOUT 30 PROPERTIES TIMEOUT 60)
