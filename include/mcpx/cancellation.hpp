#pragma once
/// @file When a handler should stop: a call's cancellation, which a handler can poll, wait on
/// (instead of sleeping) or hook a callback to (to abort a blocking upstream call).
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <list>
#include <mutex>
#include <string_view>
#include <thread>

namespace mcpx {

/// Why a call was cancelled.
enum class cancel_reason : std::uint8_t {
  none,      ///< not cancelled
  deadline,  ///< the tool's time limit passed; the caller was answered TIMEOUT already
  client,    ///< the client cancelled (notifications/cancelled) or went away (closed its stream)
  task,      ///< the call's task was cancelled (tasks/cancel) or expired
};
/// "none", "deadline", "client", "task".
std::string_view to_string(cancel_reason r) noexcept;

namespace detail {
struct cancel_callback {
  std::function<void()> fn;
  enum : std::uint8_t { pending, running, done } state = pending;
};
}  // namespace detail

/// A call's cancellation, as a handler sees it through context::cancellation(): whether it
/// was cancelled and why, the call's deadline, a wait that ends early when it is cancelled,
/// and callbacks run when it is. The server cancels it; a handler only reads and waits.
///
/// Thread-safe. Passing the deadline counts as cancelled for requested(), reason() and the
/// waits even before the server gets to call cancel(deadline) (which runs the callbacks and
/// answers the caller).
class cancellation_token {
 public:
  using clock = std::chrono::steady_clock;
  class registration;

  /// No deadline, not cancelled.
  cancellation_token() = default;
  explicit cancellation_token(clock::time_point deadline) noexcept : deadline_(deadline.time_since_epoch().count()) {}
  cancellation_token(const cancellation_token&) = delete;
  cancellation_token& operator=(const cancellation_token&) = delete;

  /// True once cancelled or past the deadline.
  bool requested() const noexcept { return reason() != cancel_reason::none; }
  cancel_reason reason() const noexcept;
  /// The call's deadline; clock::time_point::max() when it has none (e.g. a task).
  clock::time_point deadline() const noexcept;
  /// Time left before the deadline: zero once cancelled or past it, milliseconds::max() when
  /// there is no deadline. What an upstream call may spend (see mcpx/upstream.hpp).
  std::chrono::milliseconds remaining() const noexcept;

  /// Blocks until cancelled (true), or until `t` (false), whichever comes first; the deadline
  /// ends the wait too. Use it where a handler would sleep: `if (tok.wait_for(1s)) return ...;`.
  bool wait_until(clock::time_point t) const;
  template <class Rep, class Period>
  bool wait_for(std::chrono::duration<Rep, Period> d) const {
    // Saturating: now + hours::max() would overflow the clock's representation.
    auto now = clock::now();
    if (d >= std::chrono::duration_cast<std::chrono::duration<Rep, Period>>(clock::time_point::max() - now))
      return wait_until(clock::time_point::max());
    return wait_until(now + std::chrono::ceil<clock::duration>(d));
  }

  /// Runs `fn` once when the call is cancelled, on the thread that cancels it (an I/O thread
  /// for a deadline or a hang-up: keep it short and never block in it), or at once on this
  /// thread when it is cancelled already. A deadline detected only by the clock (requested())
  /// does not run it; the server's cancel(deadline) does, promptly at the deadline.
  /// The returned registration unregisters `fn` when destroyed (or reset); once that returns,
  /// `fn` is not running (it waits for a run on another thread to end), so `fn` may use what
  /// the handler's frame holds. A callback may end its own registration.
  [[nodiscard]] registration on_cancel(std::function<void()> fn) const;

  // The server's side.
  /// Cancels for `why` (not none): wakes every wait and runs the callbacks, on this thread.
  /// Returns false, doing nothing, when it was cancelled already.
  bool cancel(cancel_reason why) noexcept;
  /// Moves the deadline (clock::time_point::max(): none); waits re-read it.
  void set_deadline(clock::time_point t) noexcept;

  /// A token that is never cancelled and has no deadline (calls the server cannot cancel,
  /// such as those run on an I/O thread).
  static const cancellation_token& never() noexcept;

  class registration {
   public:
    registration() = default;
    registration(registration&& o) noexcept;
    registration& operator=(registration&& o) noexcept;
    ~registration() { reset(); }
    /// Unregisters now (see on_cancel).
    void reset() noexcept;

   private:
    friend class cancellation_token;
    using iterator = std::list<detail::cancel_callback>::iterator;
    registration(const cancellation_token* t, iterator it) : token_(t), it_(it) {}
    const cancellation_token* token_ = nullptr;
    iterator it_;
  };

 private:
  // Read without the lock (a handler may poll in a loop); written with it, so no wait misses
  // a change.
  std::atomic<cancel_reason> reason_{cancel_reason::none};
  std::atomic<clock::rep> deadline_{clock::time_point::max().time_since_epoch().count()};
  // Guards the waits and the callbacks; callbacks run without it held.
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  // A node stays here until its registration ends, run or not, so the registration can tell.
  mutable std::list<detail::cancel_callback> callbacks_;
  // The thread cancel() runs callbacks on: unregistering a running one from another waits.
  std::thread::id runner_;
  mutable std::condition_variable ran_;
};

}  // namespace mcpx
