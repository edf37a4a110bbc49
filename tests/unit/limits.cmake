# Unit tests of mcpx_limits (GCRA, memory store, tiers and keys, fields); included from tests/CMakeLists.txt.
include(GoogleTest)
find_package(Threads REQUIRED)
add_executable(limits_tests ${CMAKE_CURRENT_LIST_DIR}/limits_gcra_test.cpp ${CMAKE_CURRENT_LIST_DIR}/limits_store_test.cpp
                            ${CMAKE_CURRENT_LIST_DIR}/limits_tiers_test.cpp ${CMAKE_CURRENT_LIST_DIR}/limits_headers_test.cpp
                            ${CMAKE_CURRENT_LIST_DIR}/limits_table_test.cpp ${CMAKE_CURRENT_LIST_DIR}/limits_watched_store_test.cpp
                            ${CMAKE_CURRENT_LIST_DIR}/allocations.cpp)
target_link_libraries(limits_tests PRIVATE mcpx_limits GTest::gtest_main Threads::Threads OpenSSL::Crypto)
gtest_discover_tests(limits_tests)
