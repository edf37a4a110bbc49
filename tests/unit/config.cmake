# Unit tests of mcpx_config; included from tests/CMakeLists.txt.
include(GoogleTest)
add_executable(config_tests ${CMAKE_CURRENT_LIST_DIR}/config_test.cpp ${CMAKE_CURRENT_LIST_DIR}/config_access_test.cpp)
# The access-override tests also check how the registry applies them.
target_link_libraries(config_tests PRIVATE mcpx_config mcpx_protocol GTest::gtest_main)
gtest_discover_tests(config_tests DISCOVERY_TIMEOUT 30)
