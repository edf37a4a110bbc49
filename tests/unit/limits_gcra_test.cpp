// The GCRA decision: burst, steady rate, exact retry_after, costs, and absurd inputs.
#include <gtest/gtest.h>

#include <limits>

#include "mcpx/limits/gcra.hpp"

using namespace mcpx::limits;
using namespace std::chrono_literals;

namespace {

constexpr std::int64_t i64_max = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t i64_min = std::numeric_limits<std::int64_t>::min();

// One key, as a store would keep it: the TAT written back after each admitted request.
struct key {
  std::optional<usec> tat;
  decision ask(usec now, const rate& r, std::int64_t cost = 1) {
    decision d = gcra(tat, now, r, cost);
    if (d.allowed) tat = d.tat;
    return d;
  }
};

// A client that asks again exactly when the last refusal said it would fit, until `end`;
// returns how many requests were admitted in [0, end].
std::int64_t greedy_client(const rate& r, usec end) {
  key k;
  std::int64_t admitted = 0;
  usec now{0};
  while (now <= end) {
    decision d = k.ask(now, r);
    if (d.allowed) ++admitted;
    else now += d.retry_after;
  }
  return admitted;
}

}  // namespace

TEST(gcra, interval_is_a_minute_over_the_rate_rounded_up) {
  EXPECT_EQ(interval({60, 1}), 1s);
  EXPECT_EQ(interval({1000, 1}), 60ms);
  EXPECT_EQ(interval({10000, 1}), 6ms);
  EXPECT_EQ(interval({7, 1}), usec(8'571'429));  // 8,571,428.57...
  EXPECT_EQ(interval({60'000'000, 1}), 1us);
  EXPECT_EQ(interval({0, 1}), never);
}

TEST(gcra, a_fresh_key_admits_exactly_the_burst_at_once) {
  for (rate r : {rate{60, 10}, rate{1000, 200}, rate{10000, 1000}, rate{7, 3}, rate{60, 1}}) {
    key k;
    const usec now = 5s;
    for (std::int64_t i = 1; i <= r.burst; ++i) {
      decision d = k.ask(now, r);
      ASSERT_TRUE(d.allowed) << r.requests_per_minute << "/" << r.burst << " request " << i;
      EXPECT_EQ(d.remaining, r.burst - i);
      EXPECT_EQ(d.retry_after, 0us);
    }
    decision refused = k.ask(now, r);
    EXPECT_FALSE(refused.allowed);
    EXPECT_EQ(refused.why, refusal_cause::limited);
    EXPECT_EQ(refused.remaining, 0);
    EXPECT_EQ(refused.retry_after, interval(r));
    EXPECT_EQ(refused.tat, *k.tat);  // a refusal changes nothing
  }
}

TEST(gcra, reports_remaining_next_and_reset) {
  const rate r{60, 10};
  key k;
  decision first = k.ask(0s, r);
  EXPECT_EQ(first.tat, 1s);
  EXPECT_EQ(first.remaining, 9);
  EXPECT_EQ(first.next_after, 1s);  // the cell just spent comes back after T
  EXPECT_EQ(first.reset_after, 1s);
  for (int i = 0; i < 9; ++i) k.ask(0s, r);
  decision half = k.ask(500ms, r);
  EXPECT_FALSE(half.allowed);
  EXPECT_EQ(half.remaining, 0);
  EXPECT_EQ(half.next_after, 500ms);
  EXPECT_EQ(half.retry_after, 500ms);
  EXPECT_EQ(half.reset_after, 9500ms);
  // A key rested for longer than burst·T is as good as new.
  decision rested = k.ask(60s, r);
  EXPECT_TRUE(rested.allowed);
  EXPECT_EQ(rested.remaining, 9);
}

TEST(gcra, retry_after_is_exact_to_the_microsecond) {
  for (rate r : {rate{60, 10}, rate{7, 3}, rate{1000, 200}, rate{13, 1}}) {
    for (std::int64_t cost : {1, 2, 3}) {
      if (cost > r.burst) continue;
      key k;
      usec now{123'456'789};
      while (k.ask(now, r, cost).allowed) {
      }
      now += 333us;  // a moment later, not on a cell boundary
      decision refused = gcra(k.tat, now, r, cost);
      ASSERT_FALSE(refused.allowed);
      ASSERT_GT(refused.retry_after, 0us);
      EXPECT_FALSE(gcra(k.tat, now + refused.retry_after - 1us, r, cost).allowed)
          << r.requests_per_minute << "/" << r.burst << " cost " << cost;
      EXPECT_TRUE(gcra(k.tat, now + refused.retry_after, r, cost).allowed)
          << r.requests_per_minute << "/" << r.burst << " cost " << cost;
    }
  }
}

TEST(gcra, a_thousand_minutes_admit_exactly_rate_times_minutes_plus_burst) {
  const usec end = 1000 * 60s;
  for (rate r : {rate{60, 10}, rate{1000, 200}, rate{600, 100}, rate{30, 5}, rate{10, 2}})
    EXPECT_EQ(greedy_client(r, end), r.requests_per_minute * 1000 + r.burst) << r.requests_per_minute << "/" << r.burst;
  // The enterprise rate over 100 minutes (a million cells, as many checks).
  EXPECT_EQ(greedy_client(rate{10000, 1000}, 100 * 60s), 10000 * 100 + 1000);
  // A rate that does not divide the minute runs slow by less than a microsecond per cell:
  // never more, at most one request fewer over these 1000 minutes.
  const rate odd{7, 3};
  const std::int64_t n = greedy_client(odd, end);
  EXPECT_LE(n, 7 * 1000 + 3);
  EXPECT_GE(n, 7 * 1000 + 3 - 1);
}

TEST(gcra, a_client_polling_often_gets_the_same_count) {
  // Asking every 7 ms instead of exactly on time changes nothing: cells are not lost by
  // asking late, only earned at the rate.
  const rate r{1000, 200};
  key k;
  std::int64_t admitted = 0;
  for (usec now{0}; now <= 60s * 10; now += 7ms) admitted += k.ask(now, r).allowed ? 1 : 0;
  // Requests at 7 ms apart can take every cell earned by the last poll at or before 600 s.
  const usec last = usec((600'000'000 / 7'000) * 7'000);
  EXPECT_EQ(admitted, 200 + last / interval(r));
}

TEST(gcra, a_call_may_cost_several_cells) {
  const rate r{60, 10};
  key k;
  EXPECT_TRUE(k.ask(0s, r, 4).allowed);
  decision second = k.ask(0s, r, 4);
  EXPECT_TRUE(second.allowed);
  EXPECT_EQ(second.remaining, 2);
  decision third = k.ask(0s, r, 4);
  EXPECT_FALSE(third.allowed);
  EXPECT_EQ(third.remaining, 2);
  EXPECT_EQ(third.retry_after, 2s);  // two more cells are needed
  EXPECT_TRUE(k.ask(0s, r, 2).allowed);
  EXPECT_FALSE(k.ask(0s, r, 1).allowed);
  // n cells at once cost the same as n single ones.
  key a, b;
  a.ask(0s, r, 3);
  for (int i = 0; i < 3; ++i) b.ask(0s, r);
  EXPECT_EQ(a.tat, b.tat);
}

TEST(gcra, a_cost_beyond_the_burst_can_never_pass) {
  const rate r{60, 10};
  for (std::int64_t cost : std::initializer_list<std::int64_t>{11, 1000, -1, 0, i64_max}) {
    decision d = gcra(std::nullopt, 0s, r, cost);
    EXPECT_FALSE(d.allowed) << cost;
    EXPECT_EQ(d.why, refusal_cause::impossible) << cost;
    EXPECT_EQ(d.retry_after, never) << cost;
  }
  EXPECT_TRUE(gcra(std::nullopt, 0s, r, 10).allowed);
}

TEST(gcra, invalid_rates_refuse_everything) {
  for (rate r : {rate{0, 10}, rate{-5, 10}, rate{60, 0}, rate{60, -1}, rate{max_requests_per_minute + 1, 1},
                 rate{60, max_burst + 1}, rate{i64_max, i64_max}, rate{i64_min, i64_min}}) {
    decision d = gcra(std::nullopt, 0s, r, 1);
    EXPECT_FALSE(d.allowed);
    EXPECT_EQ(d.why, refusal_cause::impossible);
    EXPECT_EQ(d.retry_after, never);
  }
}

TEST(gcra, absurd_times_saturate_and_never_admit_by_wrapping) {
  const rate r{60, 10};
  // A TAT at the end of time: the next one would overflow, so the request is refused.
  decision end = gcra(usec(i64_max), 0s, r, 1);
  EXPECT_FALSE(end.allowed);
  EXPECT_EQ(end.why, refusal_cause::impossible);
  // `now` at the end of time: same.
  EXPECT_FALSE(gcra(std::nullopt, usec(i64_max - 1), r, 1).allowed);
  // The far past works like any other time.
  key k;
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(k.ask(usec(i64_min), r).allowed);
  decision past = k.ask(usec(i64_min), r);
  EXPECT_FALSE(past.allowed);
  EXPECT_EQ(past.retry_after, 1s);
  // A TAT from another clock, far ahead of `now`: refused, with a saturated wait.
  decision skew = gcra(usec(i64_max - 1'000'000'000), usec(i64_min), r, 1);
  EXPECT_FALSE(skew.allowed);
  EXPECT_GT(skew.retry_after, 0us);
  // The largest valid rate and burst, from time zero and from the far future.
  const rate big{max_requests_per_minute, max_burst};
  EXPECT_TRUE(gcra(std::nullopt, 0s, big, max_burst).allowed);
  EXPECT_FALSE(gcra(std::nullopt, usec(i64_max - 10), big, max_burst).allowed);
  const rate slow{1, max_burst};  // burst·T = 1e6 minutes
  decision d = gcra(std::nullopt, usec(i64_max / 2), slow, max_burst);
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.reset_after, usec(max_burst * 60'000'000));
}

TEST(gcra, validate_names_the_problem) {
  EXPECT_EQ(validate(rate{60, 10}), std::nullopt);
  EXPECT_EQ(validate(rate{0, 10}), "requests_per_minute must be 1-60000000, got 0");
  EXPECT_EQ(validate(rate{60, 0}), "burst must be 1-1000000, got 0");
  EXPECT_EQ(validate(rate{60, -3}), "burst must be 1-1000000, got -3");
  EXPECT_TRUE(validate(rate{max_requests_per_minute + 1, 1}));
  EXPECT_EQ(validate(rate{max_requests_per_minute, max_burst}), std::nullopt);
}

TEST(gcra, steady_now_does_not_go_back) {
  const usec a = steady_now();
  const usec b = steady_now();
  EXPECT_GT(a, 0us);
  EXPECT_LE(a, b);
}
