# Unit tests of mcpx_schema; included from tests/CMakeLists.txt.
include(GoogleTest)
add_executable(schema_test ${CMAKE_CURRENT_LIST_DIR}/schema_test.cpp)
target_link_libraries(schema_test PRIVATE mcpx_schema GTest::gtest_main)
gtest_discover_tests(schema_test)
