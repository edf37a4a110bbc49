#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <memory_resource>
#include <string>
#include <vector>

#include "http/request_arena.hpp"

using mcpx::http::request_arena;

namespace request_arena_test {

bool aligned(const void* p, std::size_t a) { return reinterpret_cast<std::uintptr_t>(p) % a == 0; }

}  // namespace request_arena_test

using request_arena_test::aligned;

// Every block is aligned as asked, does not overlap the others, and the first buffer is used
// first; what does not fit goes to heap blocks.
TEST(request_arena, hands_out_aligned_separate_blocks_from_its_buffer_then_the_heap) {
  alignas(16) std::byte buf[256];
  request_arena a(buf, sizeof buf);
  std::vector<std::pair<std::byte*, std::size_t>> taken;
  for (std::size_t align : {1, 2, 4, 8, 16, 32, 64}) {
    for (std::size_t n : {0, 1, 3, 7, 24, 100}) {
      auto* p = static_cast<std::byte*>(a.allocate(n ? n : 1, align));
      EXPECT_TRUE(aligned(p, align)) << n << " " << align;
      std::memset(p, 0x5a, n ? n : 1);  // ASan: the whole block is ours
      taken.emplace_back(p, n ? n : 1);
    }
  }
  EXPECT_EQ(taken.front().first, buf);
  for (std::size_t i = 0; i < taken.size(); ++i)
    for (std::size_t j = i + 1; j < taken.size(); ++j) {
      auto [p, n] = taken[i];
      auto [q, m] = taken[j];
      EXPECT_TRUE(p + n <= q || q + m <= p) << i << " " << j;
    }
  EXPECT_GT(a.spilled_blocks(), 0u);
}

// release() frees the heap blocks and starts again at the buffer; a block larger than any
// heap block so far gets one of its own size.
TEST(request_arena, release_starts_again_at_the_buffer) {
  alignas(16) std::byte buf[128];
  request_arena a(buf, sizeof buf);
  void* first = a.allocate(8, 8);
  EXPECT_EQ(first, buf);
  auto* big = static_cast<std::byte*>(a.allocate(1 << 20, 16));
  std::memset(big, 1, 1 << 20);
  EXPECT_EQ(a.spilled_blocks(), 1u);
  a.release();
  EXPECT_EQ(a.spilled_blocks(), 0u);
  EXPECT_EQ(a.allocate(8, 8), buf);
  // Exactly what is left of the buffer fits in it.
  void* rest = a.allocate(sizeof buf - 8, 8);
  EXPECT_EQ(rest, buf + 8);
  EXPECT_EQ(a.spilled_blocks(), 0u);
  (void)a.allocate(1, 1);
  EXPECT_EQ(a.spilled_blocks(), 1u);
}

// A request arena is a std::pmr resource like any other: containers grow in it.
TEST(request_arena, serves_pmr_containers) {
  alignas(16) std::byte buf[512];
  request_arena a(buf, sizeof buf);
  std::pmr::vector<std::pmr::string> v(&a);
  for (int i = 0; i < 200; ++i) v.emplace_back(std::string(40, char('a' + i % 26)));
  EXPECT_EQ(std::string_view(v[199]), std::string(40, char('a' + 199 % 26)));
  EXPECT_GT(a.spilled_blocks(), 0u);
}
