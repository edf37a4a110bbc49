// mcpx::cancellation_token: what a handler polls, waits on and hooks into, with its deadline.
#include <gtest/gtest.h>

#include <atomic>
#include <mcpx/cancellation.hpp>
#include <thread>

#include "timing.hpp"

using namespace std::chrono_literals;
using mcpx::cancel_reason;
using mcpx::cancellation_token;
using mcpx::test::slack;
using clk = std::chrono::steady_clock;

TEST(cancellation, starts_uncancelled_without_a_deadline) {
  cancellation_token t;
  EXPECT_FALSE(t.requested());
  EXPECT_EQ(t.reason(), cancel_reason::none);
  EXPECT_EQ(t.deadline(), clk::time_point::max());
  EXPECT_EQ(t.remaining(), std::chrono::milliseconds::max());
  EXPECT_FALSE(t.wait_for(10ms));
}

TEST(cancellation, the_first_cancel_wins_and_none_is_no_reason) {
  cancellation_token t;
  EXPECT_FALSE(t.cancel(cancel_reason::none));
  EXPECT_FALSE(t.requested());
  EXPECT_TRUE(t.cancel(cancel_reason::client));
  EXPECT_FALSE(t.cancel(cancel_reason::deadline));
  EXPECT_EQ(t.reason(), cancel_reason::client);
  EXPECT_EQ(t.remaining(), 0ms);
  EXPECT_TRUE(t.wait_for(1h));  // at once
}

TEST(cancellation, a_cancel_from_another_thread_wakes_a_wait_at_once) {
  cancellation_token t;
  auto start = clk::now();
  std::thread canceller([&] {
    std::this_thread::sleep_for(50ms);
    t.cancel(cancel_reason::client);
  });
  EXPECT_TRUE(t.wait_for(30s));
  auto took = clk::now() - start;
  canceller.join();
  EXPECT_GE(took, 50ms);
  EXPECT_LT(took, 50ms + slack);
}

TEST(cancellation, the_deadline_ends_a_wait_and_counts_as_cancelled_before_anyone_cancels) {
  cancellation_token t(clk::now() + 80ms);
  EXPECT_FALSE(t.requested());
  EXPECT_GT(t.remaining(), 0ms);
  EXPECT_LE(t.remaining(), 80ms);
  auto start = clk::now();
  EXPECT_TRUE(t.wait_for(30s));
  auto took = clk::now() - start;
  EXPECT_GE(took, 70ms);
  EXPECT_LT(took, 80ms + slack);
  EXPECT_TRUE(t.requested());
  EXPECT_EQ(t.reason(), cancel_reason::deadline);
  EXPECT_EQ(t.remaining(), 0ms);
  // The server's cancel at the deadline still runs (callbacks, the recorded reason).
  EXPECT_TRUE(t.cancel(cancel_reason::deadline));
}

TEST(cancellation, a_wait_shorter_than_the_deadline_times_out) {
  cancellation_token t(clk::now() + 10s);
  EXPECT_FALSE(t.wait_for(20ms));
  EXPECT_FALSE(t.wait_until(clk::now() - 1s));  // already past: no wait
}

TEST(cancellation, moving_the_deadline_reaches_a_wait_under_way) {
  cancellation_token t(clk::now() + 50ms);
  std::thread mover([&] { t.set_deadline(clk::time_point::max()); });  // became a task: no deadline
  mover.join();
  EXPECT_FALSE(t.wait_for(120ms));
  EXPECT_FALSE(t.requested());
  std::thread nearer([&] {
    std::this_thread::sleep_for(30ms);
    t.set_deadline(clk::now());
  });
  auto start = clk::now();
  EXPECT_TRUE(t.wait_for(30s));
  nearer.join();
  EXPECT_LT(clk::now() - start, 30ms + slack);
}

TEST(cancellation, huge_waits_do_not_overflow) {
  cancellation_token t;
  std::thread canceller([&] {
    std::this_thread::sleep_for(20ms);
    t.cancel(cancel_reason::task);
  });
  EXPECT_TRUE(t.wait_for(std::chrono::hours::max()));
  EXPECT_TRUE(t.wait_for(std::chrono::nanoseconds::max()));
  canceller.join();
}

TEST(cancellation, callbacks_run_once_on_the_cancelling_thread_and_at_once_when_late) {
  cancellation_token t;
  std::atomic<int> runs{0};
  std::thread::id ran_on;
  auto reg = t.on_cancel([&] {
    ++runs;
    ran_on = std::this_thread::get_id();
  });
  std::thread canceller([&] { t.cancel(cancel_reason::deadline); });
  auto canceller_id = canceller.get_id();
  canceller.join();
  EXPECT_EQ(runs, 1);
  EXPECT_EQ(ran_on, canceller_id);
  t.cancel(cancel_reason::client);
  EXPECT_EQ(runs, 1);
  bool late = false;
  auto reg2 = t.on_cancel([&] { late = true; });
  EXPECT_TRUE(late);
}

TEST(cancellation, an_ended_registration_is_not_run_and_a_throwing_callback_stops_nothing) {
  cancellation_token t;
  bool first = false, third = false;
  auto r1 = t.on_cancel([&] { first = true; });
  {
    auto r2 = t.on_cancel([] { ADD_FAILURE() << "ended before the cancel"; });
  }
  auto r3 = t.on_cancel([] { throw std::runtime_error("upstream abort failed"); });
  auto r4 = t.on_cancel([&] { third = true; });
  EXPECT_TRUE(t.cancel(cancel_reason::client));
  EXPECT_TRUE(first);
  EXPECT_TRUE(third);
}

TEST(cancellation, ending_a_registration_waits_for_its_callback_running_elsewhere) {
  cancellation_token t;
  std::atomic<bool> inside{false}, finished{false};
  auto reg = t.on_cancel([&] {
    inside = true;
    std::this_thread::sleep_for(100ms);
    finished = true;
  });
  std::thread canceller([&] { t.cancel(cancel_reason::client); });
  while (!inside) std::this_thread::yield();
  reg.reset();  // must not return while the callback still runs (it may use the handler's frame)
  EXPECT_TRUE(finished);
  canceller.join();
}

TEST(cancellation, a_callback_may_end_its_own_registration) {
  cancellation_token t;
  cancellation_token::registration reg;
  bool ran = false;
  reg = t.on_cancel([&] {
    ran = true;
    reg.reset();
  });
  t.cancel(cancel_reason::client);
  EXPECT_TRUE(ran);
}

TEST(cancellation, a_moved_registration_still_unregisters_once) {
  cancellation_token t;
  int runs = 0;
  auto a = t.on_cancel([&] { ++runs; });
  auto b = std::move(a);
  a.reset();  // moved from: nothing
  cancellation_token::registration c;
  c = std::move(b);
  c.reset();
  t.cancel(cancel_reason::client);
  EXPECT_EQ(runs, 0);
}

TEST(cancellation, never_is_never_cancelled) {
  const auto& n = cancellation_token::never();
  EXPECT_FALSE(n.requested());
  EXPECT_EQ(n.remaining(), std::chrono::milliseconds::max());
  EXPECT_FALSE(n.wait_for(5ms));
  auto reg = n.on_cancel([] { ADD_FAILURE(); });
  EXPECT_EQ(mcpx::to_string(cancel_reason::deadline), "deadline");
}
