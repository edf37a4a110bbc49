add_executable(integration_tests ${CMAKE_CURRENT_LIST_DIR}/hostile_input_test.cpp ${CMAKE_CURRENT_LIST_DIR}/sessions_test.cpp)
target_link_libraries(integration_tests PRIVATE mcpx GTest::gtest_main)
target_include_directories(integration_tests PRIVATE ${PROJECT_SOURCE_DIR}/src)
gtest_discover_tests(integration_tests DISCOVERY_TIMEOUT 30 PROPERTIES TIMEOUT 60)
