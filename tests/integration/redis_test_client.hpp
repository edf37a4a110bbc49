#pragma once
// What the mcpx::redis client tests share: I/O threads that end when the client has let go
// of everything, and a blocking wrapper that waits a bounded time for one completion.
#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "redis/client.hpp"
#include "redis/script.hpp"

namespace mcpx::test {

namespace net = boost::asio;
using namespace std::chrono_literals;

/// Two threads running an io_context. The destructor lets run() end on its own once no work
/// is left: a client that did not wind down after stop() makes the test hang (and ctest
/// fail it), which is the point.
struct io_threads {
  net::io_context ioc;
  net::executor_work_guard<net::io_context::executor_type> guard{ioc.get_executor()};
  std::vector<std::thread> threads;

  explicit io_threads(int n = 2) {
    for (int i = 0; i < n; ++i) threads.emplace_back([this] { ioc.run(); });
  }
  ~io_threads() {
    guard.reset();
    for (auto& t : threads) t.join();
  }
};

struct outcome {
  boost::system::error_code ec;
  redis::reply r;
  bool completed = false;
};

/// Runs one command and waits for its completion, at most `within`.
inline outcome run(redis::client& c, std::vector<std::string> args, std::chrono::milliseconds within = 3s) {
  auto p = std::make_shared<std::promise<outcome>>();
  auto f = p->get_future();
  std::vector<std::string_view> views(args.begin(), args.end());
  c.command(std::span<const std::string_view>(views), [p](boost::system::error_code ec, redis::reply r) {
    p->set_value({ec, std::move(r), true});
  });
  if (f.wait_for(within) != std::future_status::ready) {
    ADD_FAILURE() << "no completion within " << within.count() << " ms for " << (args.empty() ? "(empty)" : args[0]);
    return {};
  }
  return f.get();
}

/// Runs `s` by eval() and waits for its completion, at most `within`.
inline outcome run_script(redis::client& c, const redis::script& s, std::vector<std::string> keys,
                          std::vector<std::string> args, std::chrono::milliseconds within = 3s) {
  auto p = std::make_shared<std::promise<outcome>>();
  auto f = p->get_future();
  std::vector<std::string_view> k(keys.begin(), keys.end()), a(args.begin(), args.end());
  redis::eval(c, s, std::span<const std::string_view>(k), std::span<const std::string_view>(a),
              [p](boost::system::error_code ec, redis::reply r) {
                p->set_value({ec, std::move(r), true});
              });
  if (f.wait_for(within) != std::future_status::ready) {
    ADD_FAILURE() << "no completion within " << within.count() << " ms for a script";
    return {};
  }
  return f.get();
}

/// A client made from `o`, started, with every connection ready within 5 s.
inline std::shared_ptr<redis::client> connected(net::io_context& ioc, const redis::options& o) {
  auto c = redis::client::create(ioc.get_executor(), o);
  c->start();
  bool up = eventually([&] { return c->status().ready == o.pool_size; }, 5s);
  EXPECT_TRUE(up) << "not ready: " << c->status().last_error;
  return c;
}

}  // namespace mcpx::test
