# Tests that need a real redis-server binary (started and killed by the test itself).
find_package(PkgConfig REQUIRED)
pkg_check_modules(HIREDIS REQUIRED IMPORTED_TARGET hiredis)
add_executable(redis_tests ${CMAKE_CURRENT_LIST_DIR}/redis_readiness_test.cpp ${CMAKE_CURRENT_LIST_DIR}/limits_redis_test.cpp
                           ${CMAKE_CURRENT_LIST_DIR}/limits_load_test.cpp)
target_link_libraries(redis_tests PRIVATE mcpx PkgConfig::HIREDIS GTest::gtest_main)
gtest_discover_tests(redis_tests DISCOVERY_TIMEOUT 30 PROPERTIES TIMEOUT 60)

# mcpx::redis::client against a real redis-server (plain and TLS), started by each test.
add_executable(redis_client_tests ${CMAKE_CURRENT_LIST_DIR}/redis_client_test.cpp
                                  ${CMAKE_CURRENT_LIST_DIR}/redis_client_auth_test.cpp)
target_link_libraries(redis_client_tests PRIVATE mcpx_redis PkgConfig::HIREDIS OpenSSL::Crypto GTest::gtest_main)
gtest_discover_tests(redis_client_tests DISCOVERY_TIMEOUT 30 PROPERTIES TIMEOUT 60)

# The Redis limit store (src/limits_redis) against a real redis-server: the script against gcra().
add_executable(limits_redis_tests ${CMAKE_CURRENT_LIST_DIR}/limits_redis_store_test.cpp)
target_link_libraries(limits_redis_tests PRIVATE mcpx_limits_redis PkgConfig::HIREDIS GTest::gtest_main)
gtest_discover_tests(limits_redis_tests DISCOVERY_TIMEOUT 30 PROPERTIES TIMEOUT 60)
