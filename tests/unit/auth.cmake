# Unit tests of mcpx_auth (JOSE core: JWK, JWS, JWT, DPoP, caches); included from tests/CMakeLists.txt.
include(GoogleTest)
find_package(Threads REQUIRED)
add_executable(auth_tests ${CMAKE_CURRENT_LIST_DIR}/auth_jwt_test.cpp ${CMAKE_CURRENT_LIST_DIR}/auth_jwk_test.cpp
                          ${CMAKE_CURRENT_LIST_DIR}/auth_dpop_test.cpp ${CMAKE_CURRENT_LIST_DIR}/auth_cache_test.cpp
                          ${CMAKE_CURRENT_LIST_DIR}/auth_authenticator_test.cpp)
target_include_directories(auth_tests PRIVATE ${PROJECT_SOURCE_DIR}/src)
target_link_libraries(auth_tests PRIVATE mcpx_auth GTest::gtest_main Threads::Threads)
gtest_discover_tests(auth_tests)
