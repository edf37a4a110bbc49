# Unit tests of mcpx_redis without a server: URL and options, RESP encoding, replies from
# hiredis' reader, the script digest. Included from tests/CMakeLists.txt.
add_executable(redis_unit_tests ${CMAKE_CURRENT_LIST_DIR}/redis_resp_test.cpp
                                ${CMAKE_CURRENT_LIST_DIR}/redis_options_test.cpp)
target_link_libraries(redis_unit_tests PRIVATE mcpx_redis GTest::gtest_main)
gtest_discover_tests(redis_unit_tests)

# The Redis limit store's script arguments and answers, without a server.
add_executable(limits_redis_unit_tests ${CMAKE_CURRENT_LIST_DIR}/limits_redis_reply_test.cpp)
target_link_libraries(limits_redis_unit_tests PRIVATE mcpx_limits_redis GTest::gtest_main)
gtest_discover_tests(limits_redis_unit_tests)
