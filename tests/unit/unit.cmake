add_executable(unit_tests
  ${CMAKE_CURRENT_LIST_DIR}/jsonrpc_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/allocator_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/request_state_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/registry_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/stores_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/header_rules_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/log_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/metrics_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/request_arena_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/request_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/deadline_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/util_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/budgets_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/dispatcher_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/mrtr_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/tasks_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/stages_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/pipeline_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/cancellation_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/tool_errors_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/upstream_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/worker_call_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/worker_pool_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/io_loop_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/whole_write_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/allocations.cpp)
target_link_libraries(unit_tests PRIVATE mcpx GTest::gtest_main)
target_compile_definitions(unit_tests PRIVATE MCPX_EXPECTED_ALLOCATOR="${MCPX_MALLOC_IN_USE}")
gtest_discover_tests(unit_tests DISCOVERY_TIMEOUT 30)
# allocations.cpp replaces the global operator new and delete (here and in limits_tests): never
# in a unity file, where GCC inlines them into the tests' own allocations (and warns about it).
set_source_files_properties(${CMAKE_CURRENT_LIST_DIR}/allocations.cpp PROPERTIES SKIP_UNITY_BUILD_INCLUSION ON)

# glibc's malloc and its tuning: mcpx_core without `mcpx`, which may bring another malloc.
add_executable(allocator_glibc_tests ${CMAKE_CURRENT_LIST_DIR}/allocator_glibc_test.cpp)
target_link_libraries(allocator_glibc_tests PRIVATE mcpx_core GTest::gtest_main)
gtest_discover_tests(allocator_glibc_tests)
