#pragma once
// A connection's timeout. beast::tcp_stream arms a timer before every read and write and
// cancels it after: a timer-queue insert, a cancel and a posted completion per operation,
// about 5 % of a request's instructions and two more lock round trips. Here one timer per
// connection wakes at most every `tick` (the smallest configured timeout), so setting a
// deadline is a clock read and a store.
#include <chrono>

#include "http/types.hpp"

namespace mcpx::http {

class deadline {
 public:
  using clock = std::chrono::steady_clock;

  deadline(const net::any_io_executor& ex, std::chrono::milliseconds tick) : timer_(ex), tick_(tick) {}

  /// The operation about to start must complete within `d`.
  void expires_after(std::chrono::milliseconds d) { expires_at(clock::now() + d); }
  /// No limit until the next expires_after (a handler at work, a stream waiting for events).
  void expires_never() noexcept { at_ = clock::time_point::max(); }

  /// Cancels the socket's pending operations each time the deadline passes, until stop().
  /// The caller keeps this object and the socket alive until the coroutine ends.
  net::awaitable<void> watch(tcp::socket& sock);
  /// Ends watch() (the connection is closing).
  void stop();

 private:
  void expires_at(clock::time_point t) {
    at_ = t;
    // The timer never sleeps past now + tick_, so any deadline of at least tick_ from now
    // needs no re-arming; only a shorter one (the linger after a refusal) wakes it early.
    if (t < armed_) timer_.cancel();
  }

  net::steady_timer timer_;
  std::chrono::milliseconds tick_;
  clock::time_point at_ = clock::time_point::max();
  clock::time_point armed_ = clock::time_point::min();
  bool stopped_ = false;
};

}  // namespace mcpx::http
