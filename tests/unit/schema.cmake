# Unit tests of mcpx_schema; included from tests/CMakeLists.txt.
include(GoogleTest)
find_package(Threads REQUIRED)
add_executable(schema_test ${CMAKE_CURRENT_LIST_DIR}/schema_test.cpp ${CMAKE_CURRENT_LIST_DIR}/schema_limits_test.cpp
                           ${CMAKE_CURRENT_LIST_DIR}/schema_pattern_test.cpp)
# schema_limits_test drives private pieces (src/schema/*.hpp) directly.
target_include_directories(schema_test PRIVATE ${PROJECT_SOURCE_DIR}/src)
target_link_libraries(schema_test PRIVATE mcpx_schema GTest::gtest_main Threads::Threads)
gtest_discover_tests(schema_test)
