# Replicas in one process (servers sharing state backends), state defects, the pipeline.
add_executable(replica_tests ${CMAKE_CURRENT_LIST_DIR}/replicas_test.cpp ${CMAKE_CURRENT_LIST_DIR}/pipeline_test.cpp)
target_link_libraries(replica_tests PRIVATE mcpx GTest::gtest_main)
target_include_directories(replica_tests PRIVATE ${PROJECT_SOURCE_DIR}/src)
gtest_discover_tests(replica_tests DISCOVERY_TIMEOUT 30 PROPERTIES TIMEOUT 60)
