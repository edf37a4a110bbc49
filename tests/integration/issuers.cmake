# The OAuth issuer client (src/auth): fetch, discovery, JWKS refresh, introspection, against in-test HTTP and
# HTTPS servers on loopback with a CA made at test time.
add_executable(issuer_tests ${CMAKE_CURRENT_LIST_DIR}/fetch_test.cpp ${CMAKE_CURRENT_LIST_DIR}/issuer_client_test.cpp
               ${CMAKE_CURRENT_LIST_DIR}/introspection_test.cpp)
target_link_libraries(issuer_tests PRIVATE mcpx_auth GTest::gtest_main)
gtest_discover_tests(issuer_tests DISCOVERY_TIMEOUT 30 PROPERTIES TIMEOUT 60)
