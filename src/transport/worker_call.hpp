#pragma once
// One call handed to the worker pool: the heap copy of the call, its outbound side, and its
// deadline. The worker and the connection's thread race to answer it and the first claim wins
// (request_outbound::claim), so a handler past its deadline is answered TIMEOUT at once, on
// the connection's thread, and what it returns later is dropped and counted. Nothing here
// arms a timer: the connection already waits on the call's event stream, and that wait ends at
// the deadline (http::event_stream::watch).
#include <atomic>
#include <chrono>
#include <memory>

#include "ops/access_record.hpp"
#include "transport/request_outbound.hpp"
#include "transport/worker_pool.hpp"

namespace mcpx::transport {

class worker_call final : public http::request_watcher, public std::enable_shared_from_this<worker_call> {
 public:
  /// Where the call runs and is accounted.
  struct setup {
    const protocol::dispatcher& dispatcher;
    worker_pool& pool;
    const protocol::tool_def* tool;                ///< tools/call of a known tool; null otherwise (no deadline)
    std::chrono::milliseconds limit;               ///< the tool's time limit, from now
    std::shared_ptr<http::request_record> record;  ///< kept alive for `log`
    ops::access_record* log;                       ///< the request's access record, or null
    /// A tools/call that runs longer than `short_call` sends its tool to the workers for
    /// `probation` (tool_def::on_workers_until); zero `short_call`: not measured.
    std::chrono::microseconds short_call{0};
    std::chrono::milliseconds probation{0};
  };
  /// Whether a call of `tool` may run on the I/O thread that read it (worker_pool::submit's
  /// `may_run_here`): its calls have been short.
  static bool may_run_here(const protocol::tool_def* tool, std::chrono::microseconds short_call) noexcept {
    if (!tool || short_call.count() <= 0) return false;
    auto until = tool->on_workers_until.load(std::memory_order_relaxed);
    return until == 0 || until <= now_ns();
  }
  /// `out_args` are request_outbound's first five constructor arguments.
  template <class... OutArgs>
  worker_call(protocol::call c, const setup& s, OutArgs&&... out_args)
      : call(std::move(c)),
        out(std::forward<OutArgs>(out_args)..., deadline_of(s)),
        d_(s.dispatcher),
        pool_(s.pool),
        tool_(s.tool),
        limit_(s.limit),
        record_(s.record),
        log_(s.log),
        short_call_(s.short_call),
        probation_(s.probation) {}

  protocol::call call;  ///< the worker's heap copy: it may outlive the request's arena
  request_outbound out;

  /// How long the connection waits for a call before it watches the socket for a hang-up: the
  /// watch costs two system calls (an epoll registration, then an ioctl), which most calls,
  /// answered sooner, need not pay.
  static constexpr std::chrono::milliseconds hangup_watch_delay{5};
  /// Starts watching for the deadline, and after hangup_watch_delay for the client going away;
  /// once, right after make_shared. `watch_hangup`: the requesting connection's (it outlives
  /// every wait of that connection for this call); may be null or empty.
  void watch(const decltype(http::peer_info::watch_hangup)* watch_hangup);
  /// On the worker: runs the call, unless it was answered while queued (then never).
  /// `slot`, when given, is released as soon as the handler returned, before the answer is queued.
  void run(worker_pool::slot* slot = nullptr) noexcept;

  // http::request_watcher, on the connection's thread.
  void client_gone() noexcept override;
  void deadline_passed() noexcept override;
  void still_waiting() noexcept override;

 private:
  static std::chrono::steady_clock::time_point deadline_of(const setup& s) {
    return s.tool ? std::chrono::steady_clock::now() + s.limit : std::chrono::steady_clock::time_point::max();
  }
  /// A call longer than `short_call` adds `long_call_weight` to its tool's debt, one past a
  /// takeover twice that, a short call pays 1 back; at `probation_debt` the tool goes to the
  /// workers. So three long calls in a row do, or two that blocked, or one blocking call in
  /// every 16 or so; but not one call that only looked long because its thread was preempted
  /// (a 1–2 ms steal is common on a busy host: it sent a 3 µs echo to the workers for 10 s).
  static constexpr int long_call_weight = 16;
  static constexpr int probation_debt = 3 * long_call_weight;
  void note_duration(std::int64_t began, std::int64_t ended) noexcept;
  static std::int64_t now_ns() noexcept {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }
  bool detached() const noexcept { return call.task && call.task->is_detached(); }
  /// Answers TIMEOUT (the claim is made); on either thread.
  void answer_timeout() noexcept;

  const protocol::dispatcher& d_;
  worker_pool& pool_;
  const protocol::tool_def* tool_;
  std::chrono::milliseconds limit_;
  std::shared_ptr<http::request_record> record_;
  ops::access_record* log_;
  std::chrono::microseconds short_call_;
  std::chrono::milliseconds probation_;
  const decltype(http::peer_info::watch_hangup)* hangup_ = nullptr;  ///< until still_waiting() uses it
  // queued -> running -> done; `overdue` is or-ed in while running past the deadline, so the
  // pool counts handlers that hold a thread after their caller was answered.
  enum : int { queued = 0, running = 1, done = 2, overdue = 4 };
  std::atomic<int> phase_{queued};
};

}  // namespace mcpx::transport
