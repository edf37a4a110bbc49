// RateLimit-Policy, RateLimit and Retry-After values, and the completion callback.
#include <gtest/gtest.h>

#include <array>
#include <memory>

#include "limits/headers.hpp"
#include "mcpx/limits/completion.hpp"

using namespace mcpx::limits;
using namespace std::chrono_literals;

TEST(ratelimit_fields, policy_is_the_burst_over_the_time_to_earn_it) {
  std::string field;
  append_policy(field, "production", rate{1000, 200});
  EXPECT_EQ(field, "\"production\";q=200;w=12");
  append_policy(field, "write", rate{60, 10});
  EXPECT_EQ(field, "\"production\";q=200;w=12, \"write\";q=10;w=10");
  std::string odd;
  append_policy(odd, "odd", rate{7, 3});  // 3 × 8.571429 s
  EXPECT_EQ(odd, "\"odd\";q=3;w=26");
  std::string fast;
  append_policy(fast, "fast", rate{60'000'000, 1});  // 1 µs: still a whole second
  EXPECT_EQ(fast, "\"fast\";q=1;w=1");
}

TEST(ratelimit_fields, limit_is_remaining_and_when_it_grows) {
  const rate r{60, 10};
  decision first = gcra(std::nullopt, 0s, r, 1);
  std::string field;
  append_limit(field, "development", first);
  EXPECT_EQ(field, "\"development\";r=9;t=1");
  decision rested = gcra(std::nullopt, 0s, rate{60, 10}, 11);  // refused, nothing spent
  std::string full;
  append_limit(full, "development", rested);
  EXPECT_EQ(full, "\"development\";r=10;t=0");
}

TEST(ratelimit_fields, retry_after_never_ends_before_the_window) {
  const rate r{1000, 200};
  std::optional<usec> tat;
  for (int i = 0; i < 200; ++i) tat = gcra(tat, 0s, r, 1).tat;
  for (usec now : {0us, 1us, 59'999us, 60'000us, 1'234'567us}) {
    for (std::int64_t cost : {1, 5}) {
      decision d = gcra(tat, now, r, cost);
      if (d.allowed) continue;
      EXPECT_GE(retry_after_seconds(d.retry_after), ceil_seconds(d.next_after));
      EXPECT_GE(retry_after_seconds(d.retry_after), 1u);
    }
  }
}

TEST(ratelimit_fields, retry_after_is_whole_seconds_rounded_up_never_zero) {
  EXPECT_EQ(retry_after_seconds(0us), 1u);
  EXPECT_EQ(retry_after_seconds(-5s), 1u);
  EXPECT_EQ(retry_after_seconds(1us), 1u);
  EXPECT_EQ(retry_after_seconds(1s), 1u);
  EXPECT_EQ(retry_after_seconds(1s + 1us), 2u);
  EXPECT_EQ(retry_after_seconds(42s), 42u);
  EXPECT_EQ(retry_after_seconds(never), 4'294'967'295u);
  EXPECT_EQ(ceil_seconds(0us), 0);
  EXPECT_EQ(ceil_seconds(999'999us), 1);
}

TEST(ratelimit_fields, names_are_sf_strings) {
  std::string field;
  append_limit(field, "a\"b\\c\n", decision{});
  EXPECT_EQ(field, "\"a\\\"b\\\\c?\";r=0;t=0");
}

// The admit stage writes an admitted request's item from a prefix made at start: it must be
// the very item append_limit makes, up to the integers' limits.
TEST(ratelimit_fields, a_written_item_is_the_appended_one) {
  for (std::string_view name : {"development", "a\"b\\c\n", "x"})
    for (auto [remaining, next] :
         std::initializer_list<std::pair<std::int64_t, usec>>{{0, 0us},
                                                              {9, 1'000'000us},
                                                              {1, 1us},
                                                              {-3, 5'000'001us},
                                                              {std::int64_t{1} << 62, usec(std::int64_t{1} << 62)}}) {
      decision d;
      d.remaining = remaining;
      d.next_after = next;
      std::string appended;
      append_limit(appended, name, d);
      const std::string prefix = limit_item_prefix(name);
      std::string buf(prefix.size() + limit_item_tail, '#');
      std::string written(buf.data(), write_limit(buf.data(), prefix, d));
      EXPECT_EQ(written, appended) << name;
    }
}

TEST(completion, holds_small_and_large_move_only_callables) {
  int calls = 0;
  completion small = [&calls](check_result r) { calls += r.has_value() ? 1 : 100; };
  auto owned = std::make_unique<int>(7);
  std::array<char, 256> big{};
  completion large = [&calls, owned = std::move(owned), big](check_result r) {
    calls += *owned + big[0] + (r.has_value() ? 0 : 1000);
  };
  completion moved = std::move(large);
  EXPECT_FALSE(large);
  ASSERT_TRUE(moved);
  small(decision{});
  EXPECT_FALSE(small);  // called once, then empty
  moved(check_result(boost::system::in_place_error, store_error::timeout));
  EXPECT_FALSE(moved);
  EXPECT_EQ(calls, 1 + 7 + 1000);
}

TEST(completion, destroys_what_it_holds_when_never_called) {
  auto counter = std::make_shared<int>(0);
  {
    completion c = [counter](check_result) {};
    completion d;
    d = std::move(c);
    EXPECT_EQ(counter.use_count(), 2);
  }
  EXPECT_EQ(counter.use_count(), 1);
  {
    std::array<char, 200> pad{};
    completion c = [counter, pad](check_result) { (void)pad; };
    EXPECT_EQ(counter.use_count(), 2);
  }
  EXPECT_EQ(counter.use_count(), 1);
}

TEST(store_error, has_names) {
  EXPECT_EQ(name(store_error::unavailable), "unavailable");
  EXPECT_EQ(name(store_error::timeout), "timeout");
  EXPECT_EQ(name(store_error::protocol), "protocol");
}
