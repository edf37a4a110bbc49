// The worker pool: calls queued during one pass of an I/O thread share one wakeup, no more
// workers are woken than there are CPUs, a blocking call does not hold up the others, and
// stop/join free every slot.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio.hpp>
#include <chrono>
#include <functional>
#include <future>
#include <thread>
#include <vector>

#include "timing.hpp"
#include "transport/worker_pool.hpp"

using namespace std::chrono_literals;
using mcpx::test::eventually;
using mcpx::transport::admission;
using mcpx::transport::worker_pool;
namespace net = boost::asio;

namespace {

// Waits until every worker sleeps (the pool's threads start asynchronously).
void settle() { std::this_thread::sleep_for(50ms); }

// Submits `calls` from one pass of an I/O thread (an io_context run here), as connections do.
void in_one_pass(worker_pool& pool, const std::vector<std::function<void()>>& calls) {
  net::io_context ioc;
  const net::any_io_executor ex = ioc.get_executor();
  net::post(ioc, [&] {
    for (const auto& f : calls) {
      ASSERT_EQ(pool.try_acquire(), admission::admitted);
      pool.submit(f, &ex);
    }
  });
  ioc.run();
}

}  // namespace

// Before: each call posted to Asio's thread_pool signalled a sleeping worker at once, and the
// worker preempted the I/O thread between one request and the next (two switches per call).
TEST(worker_pool, calls_queued_in_one_io_pass_wake_the_workers_once) {
  worker_pool pool(1, 64);
  settle();
  net::io_context ioc;
  const net::any_io_executor ex = ioc.get_executor();
  std::atomic<int> ran{0};
  net::post(ioc, [&] {
    for (int i = 0; i < 20; ++i) {
      ASSERT_EQ(pool.try_acquire(), admission::admitted);
      pool.submit([&] { ++ran; }, &ex);
    }
    EXPECT_EQ(pool.wakeups(), 0u) << "no worker is woken before the pass ends";
  });
  ioc.run();
  EXPECT_TRUE(eventually([&] { return ran == 20; }));
  EXPECT_EQ(pool.wakeups(), 1u);
  EXPECT_TRUE(eventually([&] { return pool.in_flight() == 0; }));
}

TEST(worker_pool, a_pass_wakes_no_more_workers_than_it_queued_calls) {
  worker_pool pool(4, 64);
  settle();
  net::io_context ioc;
  const net::any_io_executor ex = ioc.get_executor();
  std::promise<void> go;
  auto gate = go.get_future().share();
  std::atomic<int> ran{0};
  net::post(ioc, [&] {
    for (int i = 0; i < 2; ++i) {
      ASSERT_EQ(pool.try_acquire(), admission::admitted);
      pool.submit(
          [&, gate] {
            gate.wait();
            ++ran;
          },
          &ex);
    }
  });
  ioc.run();
  EXPECT_TRUE(eventually([&] { return pool.wakeups() >= 2u; }));
  go.set_value();
  EXPECT_TRUE(eventually([&] { return ran == 2; }));
  EXPECT_EQ(pool.wakeups(), 2u);
}

// A call that blocks keeps its worker; calls queued after it still run on the others.
TEST(worker_pool, a_blocked_call_does_not_hold_up_the_next_ones) {
  worker_pool pool(2, 64);
  settle();
  net::io_context ioc;
  const net::any_io_executor ex = ioc.get_executor();
  std::promise<void> unblock;
  auto blocked = unblock.get_future().share();
  std::atomic<int> quick{0};
  ASSERT_EQ(pool.try_acquire(), admission::admitted);
  pool.submit([blocked] { blocked.wait(); });  // from no I/O thread: woken now
  ASSERT_TRUE(eventually([&] { return pool.wakeups() == 1u; }));
  std::this_thread::sleep_for(20ms);
  net::post(ioc, [&] {
    for (int i = 0; i < 5; ++i) {
      ASSERT_EQ(pool.try_acquire(), admission::admitted);
      pool.submit([&] { ++quick; }, &ex);
    }
  });
  ioc.run();
  EXPECT_TRUE(eventually([&] { return quick == 5; }));
  unblock.set_value();
  EXPECT_TRUE(eventually([&] { return pool.in_flight() == 0; }));
}

// On one CPU, four woken workers only take turns: one is woken and takes the calls in turn.
TEST(worker_pool, no_more_workers_are_woken_than_there_are_cpus) {
  worker_pool pool(4, 64, 1);
  settle();
  std::atomic<int> ran{0};
  in_one_pass(pool, std::vector<std::function<void()>>(20, [&] { ++ran; }));
  EXPECT_TRUE(eventually([&] { return ran == 20; }));
  // On a busy machine the woken worker may not run within a tick: the watch then wakes others.
  EXPECT_EQ(pool.wakeups() - pool.watch_wakeups(), 1u);
  EXPECT_TRUE(eventually([&] { return pool.in_flight() == 0; }));
}

// Calls one at a time, each after the last worker went back to sleep: the worker that slept
// last takes each one. Before, the condition variable woke the one that had slept longest,
// so the calls went round all four workers, each on a cold stack and thread cache.
TEST(worker_pool, the_worker_that_slept_last_is_woken_first) {
  worker_pool pool(4, 64, 4);
  ASSERT_TRUE(eventually([&] { return pool.sleeping() == 4; }));
  std::vector<std::thread::id> ran_on;
  for (int i = 0; i < 8; ++i) {
    std::promise<std::thread::id> where;
    ASSERT_EQ(pool.try_acquire(), admission::admitted);
    pool.submit([&where] { where.set_value(std::this_thread::get_id()); });
    ran_on.push_back(where.get_future().get());
    ASSERT_TRUE(eventually([&] { return pool.sleeping() == 4; }));
  }
  for (auto& id : ran_on) EXPECT_EQ(id, ran_on.front());
}

// The one awake worker blocks in its handler: the watch wakes the others for the queued calls.
TEST(worker_pool, calls_held_back_behind_a_blocked_worker_still_run) {
  worker_pool pool(3, 64, 1);
  settle();
  std::promise<void> unblock;
  auto blocked = unblock.get_future().share();
  std::atomic<int> quick{0};
  std::vector<std::function<void()>> calls(6, [&] { ++quick; });
  calls.front() = [blocked] { blocked.wait(); };
  in_one_pass(pool, calls);
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_TRUE(eventually([&] { return quick == 5; }));
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s) << "the watch looks every millisecond";
  EXPECT_GE(pool.watch_wakeups(), 1u);
  unblock.set_value();
  EXPECT_TRUE(eventually([&] { return pool.in_flight() == 0; }));
}

TEST(worker_pool, stop_drops_queued_calls_and_frees_their_slots) {
  worker_pool pool(1, 64);
  settle();
  std::promise<void> unblock;
  auto blocked = unblock.get_future().share();
  std::atomic<bool> started{false}, dropped_ran{false};
  ASSERT_EQ(pool.try_acquire(), admission::admitted);
  pool.submit([&, blocked] {
    started = true;
    blocked.wait();
  });
  ASSERT_TRUE(eventually([&] { return started.load(); }));
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(pool.try_acquire(), admission::admitted);
    pool.submit([&] { dropped_ran = true; });
  }
  EXPECT_EQ(pool.in_flight(), 4u);
  pool.stop();
  EXPECT_EQ(pool.in_flight(), 1u) << "only the running call still holds its slot";
  unblock.set_value();
  pool.join();
  EXPECT_EQ(pool.in_flight(), 0u);
  EXPECT_FALSE(dropped_ran);
  ASSERT_EQ(pool.try_acquire(), admission::admitted);
  pool.submit([&] { dropped_ran = true; });  // after stop: dropped at once, slot freed
  EXPECT_EQ(pool.in_flight(), 0u);
  EXPECT_FALSE(dropped_ran);
}

TEST(worker_pool, join_without_stop_runs_what_is_queued) {
  std::atomic<int> ran{0};
  worker_pool pool(2, 64);
  for (int i = 0; i < 10; ++i) {
    ASSERT_EQ(pool.try_acquire(), admission::admitted);
    pool.submit([&] {
      std::this_thread::sleep_for(1ms);
      ++ran;
    });
  }
  pool.join();
  EXPECT_EQ(ran, 10);
  EXPECT_EQ(pool.in_flight(), 0u);
}

TEST(worker_pool, a_full_queue_refuses) {
  worker_pool pool(1, 2);
  EXPECT_EQ(pool.try_acquire(), admission::admitted);
  EXPECT_EQ(pool.try_acquire(), admission::admitted);
  EXPECT_EQ(pool.try_acquire(), admission::queue_full);
  EXPECT_EQ(pool.in_flight(), 2u);
}
