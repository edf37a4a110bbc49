// The malloc a program linking `mcpx` gets (MCPX_ALLOCATOR): the one the build says, and
// tune_allocator leaves any but glibc's alone.
#include <gtest/gtest.h>

#include <string_view>

#include "core/allocator.hpp"

#ifndef MCPX_EXPECTED_ALLOCATOR
#error "tests/unit/unit.cmake defines MCPX_EXPECTED_ALLOCATOR from the build's MCPX_MALLOC_IN_USE"
#endif

TEST(allocator, the_build_s_allocator_serves_malloc) {
  // A server linked without it (link order, a dropped library) would pass every other test.
  EXPECT_STREQ(mcpx::core::allocator_in_use(), MCPX_EXPECTED_ALLOCATOR);
}

TEST(allocator, tuning_is_glibc_s_only) {
  const bool glibc = std::string_view(mcpx::core::allocator_in_use()) == "glibc";
  if (glibc) GTEST_SKIP() << "glibc's malloc: allocator_glibc_test covers the tuning";
  EXPECT_FALSE(mcpx::core::tune_allocator()) << "mallopt would set a malloc that serves nothing";
}
