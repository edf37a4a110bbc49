// The connection timeout (http/deadline): one lazily re-armed timer per connection.
#include <gtest/gtest.h>

#include "http/deadline.hpp"

namespace mcpx::http {
namespace {

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

// A connected loopback pair, the deadline watching `server`, and a read pending on it.
struct deadline_test : ::testing::Test {
  net::io_context ioc{1};
  tcp::socket server{ioc}, client{ioc};
  std::optional<deadline> timeout;
  bool watch_ended = false;
  std::optional<boost::system::error_code> read_result;
  clock_type::duration read_took{};
  char byte = 0;

  void SetUp() override {
    tcp::acceptor acc(ioc, {net::ip::make_address("127.0.0.1"), 0});
    client.connect(acc.local_endpoint());
    acc.accept(server);
  }

  void start(std::chrono::milliseconds tick) {
    timeout.emplace(server.get_executor(), tick);
    net::co_spawn(ioc, timeout->watch(server), [this](std::exception_ptr) { watch_ended = true; });
  }
  void start_read() {
    auto began = clock_type::now();
    server.async_read_some(net::buffer(&byte, 1), [this, began](boost::system::error_code ec, std::size_t) {
      read_result = ec;
      read_took = clock_type::now() - began;
    });
  }
  void run_until_read(std::chrono::milliseconds limit) {
    auto end = clock_type::now() + limit;
    while (!read_result && clock_type::now() < end) ioc.run_one_for(10ms);
  }
  // The pending read ended, cancelled by the deadline.
  void expect_cancelled() {
    run_until_read(3000ms);
    ASSERT_TRUE(read_result) << "the read is still pending";
    EXPECT_EQ(*read_result, net::error::operation_aborted);
  }
  // The pending read is still waiting, and completes once the peer sends.
  void expect_still_waiting(const char* why) {
    ioc.poll();
    EXPECT_FALSE(read_result) << why;
    net::write(client, net::buffer("x", 1));
    run_until_read(3000ms);
    ASSERT_TRUE(read_result);
    EXPECT_FALSE(*read_result);
  }
};

TEST_F(deadline_test, a_pending_read_is_cancelled_when_its_deadline_passes) {
  start(20ms);
  timeout->expires_after(100ms);
  start_read();
  expect_cancelled();
  EXPECT_GE(read_took, 95ms);
  EXPECT_LT(read_took, 2000ms);
}

TEST_F(deadline_test, a_deadline_shorter_than_the_tick_wakes_the_timer_early) {
  start(60'000ms);
  ioc.run_for(20ms);  // the watch is asleep for a minute now
  timeout->expires_after(50ms);
  start_read();
  expect_cancelled();
  EXPECT_LT(read_took, 2000ms);
}

TEST_F(deadline_test, without_a_deadline_a_read_waits_as_long_as_it_takes) {
  start(20ms);
  timeout->expires_after(50ms);
  timeout->expires_never();
  start_read();
  ioc.run_for(300ms);
  expect_still_waiting("cancelled although no deadline was set");
}

TEST_F(deadline_test, a_deadline_moved_forward_in_time_is_not_hit) {
  start(20ms);
  start_read();
  for (int i = 0; i < 8; ++i) {  // 400 ms in all, each step well inside the 200 ms deadline
    timeout->expires_after(200ms);
    ioc.run_for(50ms);
  }
  expect_still_waiting("cancelled although its deadline kept moving");
}

TEST_F(deadline_test, a_deadline_cancels_once_and_the_next_operation_has_its_own) {
  start(20ms);
  timeout->expires_after(50ms);
  start_read();
  expect_cancelled();
  read_result.reset();
  timeout->expires_after(5000ms);
  start_read();
  ioc.run_for(200ms);
  expect_still_waiting("an expired deadline also cancelled the next operation");
}

TEST_F(deadline_test, stop_ends_the_watch) {
  start(60'000ms);
  ioc.run_for(20ms);
  EXPECT_FALSE(watch_ended);
  timeout->stop();
  auto end = clock_type::now() + 3000ms;
  while (!watch_ended && clock_type::now() < end) ioc.run_one_for(10ms);
  EXPECT_TRUE(watch_ended);
}

}  // namespace
}  // namespace mcpx::http
