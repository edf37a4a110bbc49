# Regression tests for what the fuzzers (fuzz/, scripts/fuzz) found, one minimized input
# each; included from tests/CMakeLists.txt.
include(GoogleTest)
add_executable(fuzz_regressions_test ${CMAKE_CURRENT_LIST_DIR}/fuzz_regressions_test.cpp)
target_link_libraries(fuzz_regressions_test PRIVATE mcpx_jsonrpc mcpx_protocol GTest::gtest_main)
gtest_discover_tests(fuzz_regressions_test DISCOVERY_TIMEOUT 30)

# util::http_feed against Beast's parser with Boost's assertions on (fuzz_http found one that a
# build with NDEBUG never sees). It links no mcpx library: the parser it runs is its own.
add_executable(http_feed_test ${CMAKE_CURRENT_LIST_DIR}/http_feed_test.cpp)
# GCC 12 at -O2 with ASan takes Beast's boost::optional<std::uint64_t> for uninitialized once
# BOOST_ASSERT is live (a false positive inside basic_parser::do_field).
target_compile_options(http_feed_test PRIVATE -UNDEBUG $<$<CXX_COMPILER_ID:GNU>:-Wno-maybe-uninitialized>)
target_include_directories(http_feed_test PRIVATE ${PROJECT_SOURCE_DIR}/src)
target_link_libraries(http_feed_test PRIVATE Boost::headers GTest::gtest_main)
gtest_discover_tests(http_feed_test DISCOVERY_TIMEOUT 30)
