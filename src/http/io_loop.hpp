#pragma once
// An I/O thread's event loop that runs short work itself, in one handler queued after the
// handlers ready when the work came. A worker-pool call that takes microseconds costs less run
// here than handed to a worker and back: that hop is two wakeups and two context switches per
// call when calls come one at a time (docs/performance.md, session 26).
//
// Work that blocks does not hold the loop up for long. Each loop has a spare thread, asleep or
// looking once a millisecond while work runs; when one batch of work has run for
// `takeover_after`, the spare runs the event loop's handlers itself, one at a time, until the
// blocked thread's work returns and it asks for the loop back (Go's runtime hands a processor
// off a thread blocked in a system call the same way; Tokio's block_in_place hands off its
// worker's queue). Only one thread runs handlers at any time.
//
// The io_context must not be made for one thread (concurrency hint 1): there, what a handler
// posts waits in its thread's private queue until the handler returns, so a blocked work's
// posts (a request to its client, whose answer it waits for) would never reach the spare.
#include <semaphore.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string_view>
#include <thread>
#include <vector>

namespace mcpx::http {

class io_loop {
 public:
  /// Called once: with true to run here and now, or with false when it cannot run here (the
  /// loop was taken over meanwhile, the pass's budget is spent); then it must go elsewhere.
  /// Returns whether it ran here. Exceptions are dropped.
  using work = std::function<bool(bool here)>;
  /// Told that its work will not run here promptly: it went elsewhere, or the spare took the
  /// loop over from the batch it is in (then on the spare, before it runs a handler; the
  /// work may have run already, or be running). Possibly more than once; thread-safe.
  using delay_hook = std::function<void()>;
  /// How long one batch of work may hold the loop before the spare takes it over.
  static constexpr std::chrono::microseconds takeover_after{1000};
  /// Work begun after a batch has run this long goes elsewhere (called with false).
  static constexpr std::chrono::microseconds pass_budget{500};

  /// `with_spare`: false runs the loop alone and takes no work (accepts_work() is false).
  /// `on_exception`: what an exception escaping a handler said (the loop goes on).
  io_loop(boost::asio::io_context& ioc, bool with_spare, std::function<void(std::string_view)> on_exception);
  ~io_loop();
  io_loop(const io_loop&) = delete;
  io_loop& operator=(const io_loop&) = delete;

  /// Starts the loop's thread and its spare.
  void start();
  /// Stops the event loop and ends both threads, once running work returned. Idempotent.
  void stop();

  /// The loop whose handler this thread runs now (work included), or null.
  static io_loop* current() noexcept;
  /// Whether run_after_pass() may be called now: on the loop's thread, in a handler.
  bool accepts_work() const noexcept { return spare_ready_.load(std::memory_order_acquire) && !stopping_.load(); }
  /// On the loop's thread, in a handler, after accepts_work(): `w` runs on this thread once
  /// the handlers ready now have run. `delayed`, when set, is kept until the batch is over.
  void run_after_pass(work w, delay_hook delayed = {});

  /// The loop whose handlers this thread may run now, for `ioc`, kept from being taken over
  /// until release_hold(): from a handler, or from work of a batch not taken over. Lets
  /// such work touch what only the loop's handlers touch (a timer) instead of posting.
  static io_loop* hold(const boost::asio::io_context& ioc) noexcept;
  void release_hold() noexcept;

  /// Times the spare took the loop over from work that ran too long.
  std::uint64_t takeovers() const noexcept { return takeovers_.load(std::memory_order_relaxed); }
  /// Work items run.
  std::uint64_t ran() const noexcept { return ran_.load(std::memory_order_relaxed); }

 private:
  void run_events();
  /// The handler that runs the batch; waits for the loop back if the spare took it over.
  void run_batch();
  void spare_main();
  /// As the spare: true once it took the loop over, false when the loop stops.
  bool be_spare();
  static std::int64_t now_ns() noexcept;

  boost::asio::io_context& ioc_;
  bool with_spare_;
  std::function<void(std::string_view)> on_exception_;
  std::thread threads_[2];
  std::atomic<bool> stopping_{false};

  struct item {
    work w;
    delay_hook delayed;
  };
  // Touched only in handlers (one thread at a time); the spare reads running_batch_'s hooks
  // as it takes over, and the batch's thread clears it only once it has the loop back.
  std::vector<item> batch_, running_batch_;
  std::atomic<bool> spare_ready_{false};  ///< a spare watches: the loop may take work
  // 0: no batch runs; 1: a batch runs; 2: the spare took the loop over from it; 3: a batch
  // runs and its work holds the loop (hold()): the spare may not take over.
  enum : int { idle = 0, running = 1, taken = 2, held = 3 };
  std::atomic<int> batch_state_{idle};
  std::atomic<std::int64_t> batch_since_{0};  ///< when the running batch began (steady clock, ns)
  std::atomic<std::uint64_t> batches_{0};     ///< batches begun: the spare's measure of activity
  std::atomic<bool> spare_sleeping_{false};   ///< the spare waits without a timeout: post to wake it
  sem_t spare_sem_;
  std::atomic<bool> want_back_{false};  ///< the batch returned: the spare hands the loop back
  sem_t handback_sem_;                  ///< posted by the spare once it runs no more handlers
  std::atomic<std::uint64_t> takeovers_{0}, ran_{0};
};

}  // namespace mcpx::http
