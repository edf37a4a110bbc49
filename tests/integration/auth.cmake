# The resource server end to end (auth on), against an HTTP issuer in the test.
add_executable(auth_server_tests ${CMAKE_CURRENT_LIST_DIR}/auth_server_test.cpp)
target_link_libraries(auth_server_tests PRIVATE mcpx mcpx_auth GTest::gtest_main)
target_include_directories(auth_server_tests PRIVATE ${PROJECT_SOURCE_DIR}/src)
gtest_discover_tests(auth_server_tests DISCOVERY_TIMEOUT 30 PROPERTIES TIMEOUT 60)
