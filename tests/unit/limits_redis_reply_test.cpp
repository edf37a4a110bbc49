// What the GCRA script is sent and how its answer becomes a decision, without a server: the
// arguments as decimal text, every answer shape the script gives, and anything else refused as
// store_error::protocol.
#include <gtest/gtest.h>

#include "limits_redis/gcra_script.hpp"

namespace limits = mcpx::limits;
using limits::usec;
using mcpx::redis::reply;

namespace {

reply answer(std::vector<std::int64_t> v) {
  std::vector<reply> e;
  for (auto x : v) e.push_back(reply::integer(x));
  return reply::array(std::move(e));
}

}  // namespace

TEST(gcra_script, arguments_are_t_burst_cost_and_only_tests_send_a_clock) {
  limits::script_args a({7, 3}, 2);
  ASSERT_EQ(a.views().size(), 3u);
  EXPECT_EQ(a.views()[0], "8571429") << "interval(): 60 s / 7 rounded up";
  EXPECT_EQ(a.views()[1], "3");
  EXPECT_EQ(a.views()[2], "2");
  limits::script_args t({60, 10}, 1, usec(1'790'000'000'000'123));
  ASSERT_EQ(t.views().size(), 4u);
  EXPECT_EQ(t.views()[3], "1790000000000123");
  EXPECT_EQ(limits::gcra_script().sha1().size(), 40u);
  EXPECT_NE(limits::gcra_script().source().find("redis.call('TIME')"), std::string::npos);
}

TEST(gcra_script, answers_become_decisions_on_the_callers_clock) {
  const usec now(1000);
  auto ok = limits::decision_of(answer({1, 0, 1'790'000'002'000'000, 8, 0, 0, 2'000'000}), now);
  ASSERT_TRUE(ok.has_value());
  EXPECT_TRUE(ok->allowed);
  EXPECT_EQ(ok->why, limits::refusal_cause::none);
  EXPECT_EQ(ok->tat, now + usec(2'000'000)) << "Redis' TAT is on Redis' clock: only durations cross";
  EXPECT_EQ(ok->remaining, 8);
  EXPECT_EQ(ok->reset_after, usec(2'000'000));
  auto limited = limits::decision_of(answer({0, 1, 5, 0, 900'000, 900'000, 3'000'000}), now);
  ASSERT_TRUE(limited.has_value());
  EXPECT_EQ(limited->why, limits::refusal_cause::limited);
  EXPECT_EQ(limited->retry_after, usec(900'000));
  EXPECT_EQ(limited->next_after, usec(900'000));
  auto impossible = limits::decision_of(answer({0, 2, 5, 3, -1, 0, 0}), now);
  ASSERT_TRUE(impossible.has_value());
  EXPECT_EQ(impossible->why, limits::refusal_cause::impossible);
  EXPECT_EQ(impossible->retry_after, limits::never);
}

TEST(gcra_script, anything_else_is_a_protocol_error) {
  const usec now(0);
  auto protocol = [&](const reply& r) {
    auto d = limits::decision_of(r, now);
    return !d.has_value() && d.error() == limits::store_error::protocol;
  };
  EXPECT_TRUE(protocol(reply::error("NOSCRIPT No matching script")));
  EXPECT_TRUE(protocol(reply::error("WRONGTYPE Operation against a key holding the wrong kind of value")));
  EXPECT_TRUE(protocol(reply::nil()));
  EXPECT_TRUE(protocol(reply::integer(1)));
  EXPECT_TRUE(protocol(answer({1, 0, 5, 8, 0, 0})));      // six elements
  EXPECT_TRUE(protocol(answer({2, 0, 5, 8, 0, 0, 1})));   // allowed neither 0 nor 1
  EXPECT_TRUE(protocol(answer({1, 1, 5, 8, 0, 0, 1})));   // allowed yet limited
  EXPECT_TRUE(protocol(answer({0, 1, 5, 0, 0, 0, 1})));   // limited without a wait
  EXPECT_TRUE(protocol(answer({0, 2, 5, 0, 7, 0, 1})));   // impossible with a wait
  EXPECT_TRUE(protocol(answer({1, 0, 5, -1, 0, 0, 1})));  // negative remaining
  EXPECT_TRUE(protocol(answer({1, 0, 5, 1, 0, 0, -1})));  // negative reset_after
  std::vector<reply> mixed{reply::integer(1), reply::integer(0), reply::bulk("5"), reply::integer(1),
                           reply::integer(0), reply::integer(0), reply::integer(1)};
  EXPECT_TRUE(protocol(reply::array(std::move(mixed))));  // a string among the integers
}
