# AI-facing response quality (tests/ai): what a model reads when a call fails.
add_executable(ai_tests ${CMAKE_CURRENT_LIST_DIR}/error_quality_test.cpp)
target_link_libraries(ai_tests PRIVATE mcpx GTest::gtest_main)
target_include_directories(ai_tests PRIVATE ${PROJECT_SOURCE_DIR}/src)
gtest_discover_tests(ai_tests DISCOVERY_TIMEOUT 30 PROPERTIES TIMEOUT 60)
