// An I/O thread's loop that runs short work itself (http::io_loop): the work runs on the loop's
// thread once the ready handlers have run; work that blocks has the spare run the loop's
// handlers, and what the work posts reaches it; the loop comes back once the work returns;
// stop ends both threads.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio.hpp>
#include <chrono>
#include <future>
#include <thread>

#include "http/io_loop.hpp"
#include "timing.hpp"
#include "transport/worker_pool.hpp"

using namespace std::chrono_literals;
using mcpx::http::io_loop;
using mcpx::test::eventually;
using mcpx::test::slack;
namespace net = boost::asio;

namespace {

struct running_loop {
  net::io_context ioc;  // not hint 1: io_loop
  net::executor_work_guard<net::io_context::executor_type> keep{ioc.get_executor()};
  io_loop loop{ioc, true, nullptr};
  running_loop() {
    loop.start();
    EXPECT_TRUE(eventually([&] { return loop.accepts_work(); })) << "the spare is ready";
  }
  // Runs `f` in a handler of the loop and waits for it.
  template <class F>
  void in_handler(F f) {
    std::promise<void> done;
    net::post(ioc, [&] {
      f();
      done.set_value();
    });
    done.get_future().wait();
  }
};

}  // namespace

TEST(io_loop, work_runs_on_the_loop_thread_after_the_ready_handlers) {
  running_loop l;
  std::thread::id handler_thread, work_thread;
  io_loop* seen_in_handler = nullptr;
  io_loop* seen_in_work = nullptr;
  std::atomic<int> order{0};
  int ready_handler_at = -1, work_at = -1;
  std::promise<void> ran;
  l.in_handler([&] {
    handler_thread = std::this_thread::get_id();
    seen_in_handler = io_loop::current();
    ASSERT_TRUE(l.loop.accepts_work());
    // Ready before the work is queued (as the other connections' reads of the same pass): runs first.
    net::post(l.ioc, [&] { ready_handler_at = order++; });
    l.loop.run_after_pass([&](bool here) {
      EXPECT_TRUE(here);
      work_thread = std::this_thread::get_id();
      seen_in_work = io_loop::current();
      work_at = order++;
      ran.set_value();
      return true;
    });
  });
  ASSERT_EQ(ran.get_future().wait_for(5s), std::future_status::ready);
  EXPECT_EQ(seen_in_handler, &l.loop);
  EXPECT_EQ(seen_in_work, &l.loop);
  EXPECT_EQ(work_thread, handler_thread);
  EXPECT_EQ(ready_handler_at, 0);
  EXPECT_EQ(work_at, 1);
  EXPECT_EQ(l.loop.ran(), 1u);
  EXPECT_EQ(l.loop.takeovers(), 0u);
}

TEST(io_loop, takes_no_work_without_a_spare) {
  net::io_context ioc{1};
  auto keep = net::make_work_guard(ioc);
  io_loop loop(ioc, false, nullptr);
  loop.start();
  std::promise<bool> accepts;
  net::post(ioc, [&] { accepts.set_value(loop.accepts_work()); });
  EXPECT_FALSE(accepts.get_future().get());
  loop.stop();
}

// Before the spare, work that blocked held every connection of its I/O thread until it
// returned; and posted from inside a handler, its posts would have waited for it too.
TEST(io_loop, blocking_work_has_the_spare_take_the_loop_over_and_its_posts_reach_it) {
  running_loop l;
  std::promise<void> release;
  auto released = release.get_future().share();
  std::promise<std::thread::id> work_thread;
  std::promise<void> posted_ran;
  std::atomic<bool> work_returned{false};
  l.in_handler([&] {
    l.loop.run_after_pass([&, released](bool here) {
      EXPECT_TRUE(here);
      work_thread.set_value(std::this_thread::get_id());
      // As a tool waiting for its client's answer: posted to the loop, awaited here.
      std::promise<void> answered;
      net::post(l.ioc, [&] { answered.set_value(); });
      EXPECT_EQ(answered.get_future().wait_for(5s), std::future_status::ready)
          << "the loop went on without this thread";
      posted_ran.set_value();
      released.wait();
      work_returned = true;
      return true;
    });
  });
  const auto blocked_on = work_thread.get_future().get();
  ASSERT_EQ(posted_ran.get_future().wait_for(5s), std::future_status::ready);
  EXPECT_EQ(l.loop.takeovers(), 1u);
  // Other handlers run meanwhile, on the other thread, within a tick or two of a millisecond.
  const auto t0 = std::chrono::steady_clock::now();
  std::promise<std::thread::id> other;
  net::post(l.ioc, [&] { other.set_value(std::this_thread::get_id()); });
  auto other_thread = other.get_future();
  ASSERT_EQ(other_thread.wait_for(5s), std::future_status::ready);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, slack);
  EXPECT_NE(other_thread.get(), blocked_on);
  EXPECT_FALSE(l.loop.accepts_work()) << "no spare while the blocked thread still works";
  release.set_value();
  ASSERT_TRUE(eventually([&] { return work_returned.load() && l.loop.accepts_work(); })) << "the spare is back";
  // The loop is the first thread's again, and takes work again.
  std::promise<std::thread::id> again;
  l.in_handler([&] {
    l.loop.run_after_pass([&](bool) {
      again.set_value(std::this_thread::get_id());
      return true;
    });
  });
  auto again_on = again.get_future();
  ASSERT_EQ(again_on.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(again_on.get(), blocked_on);
}

TEST(io_loop, stop_waits_for_running_work_and_hands_back_the_rest) {
  auto l = std::make_unique<running_loop>();
  std::promise<void> started;
  std::atomic<bool> first_done{false};
  std::atomic<int> second{-1};
  l->in_handler([&] {
    l->loop.run_after_pass([&](bool) {
      started.set_value();
      std::this_thread::sleep_for(50ms);
      first_done = true;
      return true;
    });
    l->loop.run_after_pass([&](bool here) {
      second = here ? 1 : 0;
      return here;
    });
  });
  started.get_future().wait();
  l->loop.stop();
  EXPECT_TRUE(first_done) << "stop() returned before the work did";
  // Past the pass's budget (or taken over, or stopped): handed back, never dropped.
  EXPECT_EQ(second.load(), 0);
  l.reset();
}

TEST(io_loop, a_pool_call_that_may_run_here_runs_on_the_submitting_io_thread) {
  running_loop l;
  mcpx::transport::worker_pool pool(2, 16);
  ASSERT_TRUE(eventually([&] { return pool.sleeping() == 2; })) << "a call here holds a sleeping worker";
  const net::any_io_executor ex = l.ioc.get_executor();
  std::thread::id submitted_on;
  std::promise<std::thread::id> ran_on;
  std::promise<std::thread::id> other_ran_on;
  l.in_handler([&] {
    submitted_on = std::this_thread::get_id();
    ASSERT_EQ(pool.try_acquire(), mcpx::transport::admission::admitted);
    pool.submit([&] { ran_on.set_value(std::this_thread::get_id()); }, &ex, true);
    ASSERT_EQ(pool.try_acquire(), mcpx::transport::admission::admitted);
    pool.submit([&] { other_ran_on.set_value(std::this_thread::get_id()); }, &ex, false);
  });
  EXPECT_EQ(ran_on.get_future().get(), submitted_on);
  EXPECT_NE(other_ran_on.get_future().get(), submitted_on);
  EXPECT_EQ(pool.ran_on_io_threads(), 1u);
  EXPECT_TRUE(eventually([&] { return pool.in_flight() == 0; })) << "both slots released";
  pool.join();
}

// Before: a call on the I/O thread ran beside every worker's, one more handler at once than
// `worker_threads` (which users size their database pools by).
TEST(io_loop, a_call_run_on_the_io_thread_holds_a_sleeping_worker) {
  running_loop l;
  mcpx::transport::worker_pool pool(1, 16);
  ASSERT_TRUE(eventually([&] { return pool.sleeping() == 1; }));
  const net::any_io_executor ex = l.ioc.get_executor();
  std::atomic<int> running{0}, most{0};
  auto body = [&](std::chrono::milliseconds hold) {
    int now = ++running;
    for (int m = most; now > m && !most.compare_exchange_weak(m, now);) {
    }
    std::this_thread::sleep_for(hold);
    --running;
  };
  std::promise<void> inline_started;
  l.in_handler([&] {
    ASSERT_EQ(pool.try_acquire(), mcpx::transport::admission::admitted);
    pool.submit(
        [&] {
          inline_started.set_value();
          body(50ms);
        },
        &ex, true);
  });
  inline_started.get_future().wait();
  EXPECT_EQ(pool.sleeping(), 0u) << "the worker is held";
  std::promise<void> second_done;
  ASSERT_EQ(pool.try_acquire(), mcpx::transport::admission::admitted);
  pool.submit([&] {
    body(1ms);
    second_done.set_value();
  });
  ASSERT_EQ(second_done.get_future().wait_for(5s), std::future_status::ready);
  EXPECT_EQ(most.load(), 1) << "one worker: one handler at a time";
  EXPECT_EQ(pool.ran_on_io_threads(), 1u);
  pool.join();
}

// A caller waiting for work queued on the loop arms no timer meanwhile (a system call each);
// it must be told when the work will not run promptly: when it went elsewhere, and when the
// spare took the loop over from its batch, even for work behind the blocked one.
TEST(io_loop, the_delay_hook_tells_of_work_sent_elsewhere_and_of_a_takeover) {
  running_loop l;
  std::promise<void> release;
  auto released = release.get_future().share();
  std::atomic<int> blocked_hook{0}, queued_hook{0}, quick_hook{0};
  std::promise<std::thread::id> hooked_on;
  std::promise<std::thread::id> blocked_on;
  std::atomic<int> queued_here{-1};
  l.in_handler([&] {
    l.loop.run_after_pass([](bool) { return true; }, [&] { ++quick_hook; });
    l.loop.run_after_pass(
        [&, released](bool) {
          blocked_on.set_value(std::this_thread::get_id());
          released.wait();
          return true;
        },
        [&] {
          if (blocked_hook++ == 0) hooked_on.set_value(std::this_thread::get_id());
        });
    l.loop.run_after_pass(
        [&](bool here) {
          queued_here = here ? 1 : 0;
          return here;
        },
        [&] { ++queued_hook; });
  });
  const auto blocked_thread = blocked_on.get_future().get();
  auto hooked = hooked_on.get_future();
  ASSERT_EQ(hooked.wait_for(5s), std::future_status::ready) << "no word of the takeover";
  EXPECT_NE(hooked.get(), blocked_thread) << "told by the spare";
  EXPECT_TRUE(eventually([&] { return queued_hook.load() == 1; })) << "the work behind the blocked one is told too";
  release.set_value();
  ASSERT_TRUE(eventually([&] { return queued_here.load() != -1; }));
  EXPECT_EQ(queued_here.load(), 0) << "handed back after the takeover";
  EXPECT_TRUE(eventually([&] { return queued_hook.load() == 2; })) << "and told again: it went elsewhere";
  EXPECT_EQ(blocked_hook.load(), 1);
  EXPECT_EQ(quick_hook.load(), 1) << "hooks of work already done are called too (they must be harmless)";
  // Declined without a takeover: told once.
  std::atomic<int> declined_hook{0};
  std::promise<void> declined;
  l.in_handler([&] {
    l.loop.run_after_pass(
        [&](bool) {
          declined.set_value();
          return false;
        },
        [&] { ++declined_hook; });
  });
  declined.get_future().wait();
  EXPECT_TRUE(eventually([&] { return declined_hook.load() == 1; }));
}
