// The verified-token cache (src/auth/token_cache.hpp).
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "auth/digest.hpp"
#include "auth/token_cache.hpp"
#include "auth_test_values.hpp"

namespace {

using namespace mcpx::auth;
using std::chrono::seconds;

using mcpx::test::now;

std::shared_ptr<const verified_token> token_for(std::string subject, wall_clock::time_point expires) {
  auto t = std::make_shared<verified_token>();
  t->subject = std::move(subject);
  t->expires = expires;
  return t;
}

TEST(AuthTokenCache, HitMissAndExpiry) {
  token_cache cache;
  EXPECT_FALSE(cache.find("a.b.c", now));
  auto v = token_for("alice", now + seconds(60));
  cache.insert("a.b.c", v, now);
  EXPECT_EQ(cache.find("a.b.c", now), v);
  EXPECT_EQ(cache.find("a.b.c", now + seconds(59)), v);
  EXPECT_FALSE(cache.find("a.b.C", now));
  EXPECT_FALSE(cache.find("a.b.", now));
  EXPECT_FALSE(cache.find("a.b.cc", now));
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_FALSE(cache.find("a.b.c", now + seconds(60)));  // expired: never returned, and dropped
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_FALSE(cache.find("a.b.c", now));
}

TEST(AuthTokenCache, ExpiredTokensAreNotStoredAndMaxTtlShortensEntries) {
  token_cache cache({.max_entries = 10, .shards = 2, .max_ttl = seconds(30)});
  cache.insert("old", token_for("x", now), now);
  cache.insert("null", nullptr, now);
  EXPECT_EQ(cache.size(), 0u);
  cache.insert("t", token_for("x", now + seconds(3600)), now);
  EXPECT_TRUE(cache.find("t", now + seconds(29)));
  EXPECT_FALSE(cache.find("t", now + seconds(30)));
}

TEST(AuthTokenCache, InsertingAgainReplacesTheValue) {
  token_cache cache;
  cache.insert("t", token_for("one", now + seconds(60)), now);
  cache.insert("t", token_for("two", now + seconds(60)), now);
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_EQ(cache.find("t", now)->subject, "two");
}

TEST(AuthTokenCache, TheOldestEntryIsEvictedWhenFull) {
  token_cache cache({.max_entries = 4, .shards = 1});
  for (int i = 0; i < 4; ++i)
    cache.insert(std::string("t").append(std::to_string(i)), token_for("s", now + seconds(60)), now);
  EXPECT_EQ(cache.size(), 4u);
  cache.insert("t4", token_for("s", now + seconds(60)), now);
  EXPECT_EQ(cache.size(), 4u);
  EXPECT_EQ(cache.evictions(), 1u);
  EXPECT_FALSE(cache.find("t0", now));
  for (int i = 1; i <= 4; ++i) EXPECT_TRUE(cache.find(std::string("t").append(std::to_string(i)), now)) << i;
}

TEST(AuthTokenCache, ManyThreadsNeverSeeAnotherTokensValue) {
  token_cache cache({.max_entries = 64, .shards = 8});
  std::atomic<int> wrong{0}, hits{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 5000; ++i) {
        auto name = std::string("token-").append(std::to_string((i * 7 + t) % 200));
        if (auto v = cache.find(name, now)) {
          ++hits;
          if (v->subject != name) ++wrong;
        } else {
          cache.insert(name, token_for(name, now + seconds(60)), now);
        }
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_GT(hits.load(), 0);
  EXPECT_LE(cache.size(), 64u);
}

}  // namespace

// The cache's comparison works eight bytes at a time: every length, and a difference in every
// position (the word part and the tail), must still be seen.
TEST(ConstantTimeEqual, sees_a_difference_at_every_position_of_every_length) {
  for (std::size_t n = 0; n <= 40; ++n) {
    std::string a(n, 'x');
    std::string b = a;
    EXPECT_TRUE(mcpx::auth::constant_time_equal(a, b)) << n;
    for (std::size_t i = 0; i < n; ++i) {
      std::string c = a;
      c[i] ^= 0x01;
      EXPECT_FALSE(mcpx::auth::constant_time_equal(a, c)) << n << " at " << i;
      c[i] = static_cast<char>(0x80);
      EXPECT_FALSE(mcpx::auth::constant_time_equal(a, c)) << n << " at " << i;
    }
    EXPECT_FALSE(mcpx::auth::constant_time_equal(a, a + "x")) << n;
  }
}
