# Regression tests for what the fuzzers (fuzz/, scripts/fuzz) found, one minimized input
# each; included from tests/CMakeLists.txt.
include(GoogleTest)
add_executable(fuzz_regressions_test ${CMAKE_CURRENT_LIST_DIR}/fuzz_regressions_test.cpp)
target_link_libraries(fuzz_regressions_test PRIVATE mcpx_jsonrpc mcpx_protocol GTest::gtest_main)
gtest_discover_tests(fuzz_regressions_test DISCOVERY_TIMEOUT 30)
