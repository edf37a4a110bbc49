#pragma once
// What the issuer tests share: a client-side I/O thread and a way to run a coroutine on it
// with a bounded wait.
#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <chrono>
#include <future>
#include <optional>
#include <thread>

namespace mcpx::test {

namespace net = boost::asio;

/// An io_context with its own thread, like one of the server's I/O threads.
class io_thread {
 public:
  io_thread() : thread_([this] { ioc_.run(); }) {}
  ~io_thread() {
    work_.reset();
    ioc_.stop();
    thread_.join();
  }
  net::any_io_executor executor() { return ioc_.get_executor(); }
  std::thread::id id() const { return thread_.get_id(); }

  /// Runs `a` here and waits for it at most `limit`; nullopt (and a test failure) past that.
  template <class T>
  std::optional<T> run(net::awaitable<T> a, std::chrono::milliseconds limit = std::chrono::seconds(10)) {
    auto f = net::co_spawn(ioc_, std::move(a), net::use_future);
    if (f.wait_for(limit) != std::future_status::ready) {
      ADD_FAILURE() << "coroutine still running after " << limit.count() << " ms";
      return std::nullopt;
    }
    return f.get();
  }

 private:
  net::io_context ioc_;
  net::executor_work_guard<net::io_context::executor_type> work_{ioc_.get_executor()};
  std::thread thread_;
};

/// Polls `pred` every 10 ms for at most `limit`.
template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds limit = std::chrono::seconds(5)) {
  auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return pred();
}

}  // namespace mcpx::test
