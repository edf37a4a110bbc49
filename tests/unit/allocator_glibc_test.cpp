// core::tune_allocator on glibc's malloc: a large answer's buffer comes from the heap, not a
// mapping of its own. This program links mcpx_core, not `mcpx`, so it keeps glibc's malloc
// whatever MCPX_ALLOCATOR links into servers (allocator_test.cpp checks that side).
#include <gtest/gtest.h>
#include <malloc.h>

#include <cstdlib>
#include <string_view>

#include "core/allocator.hpp"

TEST(allocator_glibc, a_large_buffer_comes_from_the_heap_once_tuned) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "AddressSanitizer's allocator, not glibc's, serves malloc here";
#endif
  ASSERT_STREQ(mcpx::core::allocator_in_use(), "glibc");
  if (!mcpx::core::tune_allocator()) GTEST_SKIP() << "GLIBC_TUNABLES sets glibc's malloc: the operator's choice";
  const auto before = mallinfo2().hblks;
  void* answer = std::malloc(1 << 20);
  ASSERT_NE(answer, nullptr);
  EXPECT_EQ(mallinfo2().hblks, before) << "a 1 MiB buffer was mapped on its own";
  std::free(answer);
  void* huge = std::malloc(8 << 20);  // beyond the threshold: mapped, and unmapped when freed
  ASSERT_NE(huge, nullptr);
  EXPECT_EQ(mallinfo2().hblks, before + 1);
  std::free(huge);
  EXPECT_TRUE(mcpx::core::tune_allocator()) << "once per process, and it stays applied";
}
