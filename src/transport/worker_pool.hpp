#pragma once
// Bounded pool for user handlers: I/O threads never run user code, and a flood of slow
// calls is refused (503) instead of queueing without end.
#include <atomic>
#include <boost/asio.hpp>
#include <exception>
#include <optional>
#include <type_traits>
#include <utility>

namespace mcpx::transport {

namespace net = boost::asio;

/// Whether a call may join the pool.
enum class admission {
  admitted,
  queue_full,       ///< `queue_limit` calls are queued or running
  workers_overdue,  ///< every thread runs a handler past its deadline: a queued call would only time out
};

class worker_pool {
 public:
  worker_pool(unsigned threads, std::size_t queue_limit)
      : threads_(threads ? threads : 1), pool_(threads_), limit_(queue_limit) {}
  ~worker_pool() { pool_.join(); }

  /// Reserves a slot, unless the queue is full or every thread is held by a handler still
  /// running past its deadline (handlers that ignore cancellation keep their thread).
  admission try_acquire() noexcept {
    if (overdue_.load(std::memory_order_relaxed) >= static_cast<long>(threads_)) return admission::workers_overdue;
    auto n = in_flight_.fetch_add(1, std::memory_order_relaxed);
    if (n >= limit_) {
      in_flight_.fetch_sub(1, std::memory_order_relaxed);
      return admission::queue_full;
    }
    return admission::admitted;
  }
  /// A handler goes on past its deadline (its caller was answered), and later returns.
  void overdue_began() noexcept { overdue_.fetch_add(1, std::memory_order_relaxed); }
  void overdue_ended() noexcept { overdue_.fetch_sub(1, std::memory_order_relaxed); }
  /// Handlers running past their deadline now (may read one too few or many for a moment).
  long overdue() const noexcept { return overdue_.load(std::memory_order_relaxed); }
  unsigned threads() const noexcept { return threads_; }
  /// A slot held by a call on the pool: released once, by release() or at the end of the call.
  class slot {
   public:
    explicit slot(worker_pool& p) noexcept : p_(&p) {}
    slot(const slot&) = delete;
    slot& operator=(const slot&) = delete;
    ~slot() { release(); }
    /// The handler returned: a client that has its answer may send the next call at once, and
    /// must not find this one still counted (a one-worker pool answered it 503).
    void release() noexcept {
      if (p_) std::exchange(p_, nullptr)->in_flight_.fetch_sub(1, std::memory_order_relaxed);
    }

   private:
    worker_pool* p_;
  };
  /// Runs `f(slot&)` on the pool (slot already acquired); the slot is released when `f` calls
  /// release(), or after `f` at the latest.
  template <class F>
  void submit(F f) {
    net::post(pool_, [this, f = std::move(f)]() mutable {
      slot s(*this);
      try {
        if constexpr (std::is_invocable_v<F&, slot&>) f(s);
        else f();
      } catch (...) {
      }
    });
  }
  std::size_t in_flight() const noexcept { return in_flight_.load(std::memory_order_relaxed); }
  std::size_t limit() const noexcept { return limit_; }
  void stop() { pool_.stop(); }
  /// Waits for running handlers to return; queued ones are dropped after stop().
  void join() { pool_.join(); }

  /// Runs `f` on the pool (slot already acquired) and resumes the caller on its own executor.
  template <class F>
  auto run(F f) -> net::awaitable<decltype(f())> {
    using R = decltype(f());
    auto ex = co_await net::this_coro::executor;
    auto init = [this, ex, f = std::move(f)](auto handler) mutable {
      net::post(pool_, [this, ex, f = std::move(f), handler = std::move(handler)]() mutable {
        std::exception_ptr ep;
        std::optional<R> r;
        try {
          r.emplace(f());
        } catch (...) {
          ep = std::current_exception();
        }
        in_flight_.fetch_sub(1, std::memory_order_relaxed);
        net::post(ex, [handler = std::move(handler), ep, r = std::move(r)]() mutable {
          handler(ep, ep ? R{} : std::move(*r));
        });
      });
    };
    co_return co_await net::async_initiate<decltype(net::use_awaitable), void(std::exception_ptr, R)>(
        std::move(init), net::use_awaitable);
  }

 private:
  unsigned threads_;
  net::thread_pool pool_;
  std::size_t limit_;
  std::atomic<std::size_t> in_flight_{0};
  // Signed: an end may be counted a moment before its begin (worker_call).
  std::atomic<long> overdue_{0};
};

}  // namespace mcpx::transport
