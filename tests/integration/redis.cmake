# Tests that need a real redis-server binary (started and killed by the test itself).
find_package(PkgConfig REQUIRED)
pkg_check_modules(HIREDIS REQUIRED IMPORTED_TARGET hiredis)
add_executable(redis_tests ${CMAKE_CURRENT_LIST_DIR}/redis_readiness_test.cpp)
target_link_libraries(redis_tests PRIVATE mcpx PkgConfig::HIREDIS GTest::gtest_main)
gtest_discover_tests(redis_tests DISCOVERY_TIMEOUT 30 PROPERTIES TIMEOUT 60)
