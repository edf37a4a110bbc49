#pragma once
// Bounded pool for user handlers: I/O threads never run user code, and a flood of slow
// calls is refused (503) instead of queueing without end.
//
// Not Asio's thread_pool: each post to it signals a sleeping thread at once, and on a busy CPU
// the woken worker preempts the I/O thread that is still reading the other connections' requests.
// Every call then cost two context switches (docs/performance.md). Here a call submitted from an
// I/O thread is queued at once (a worker already awake takes it) but sleeping workers are woken
// only when that thread's current pass of ready handlers ends, once for all the calls it queued.
//
// No more workers are woken than the process has CPUs to run them: on one CPU, four woken
// workers only take turns, each turn a context switch. Calls left queued are taken by the
// awake workers as they finish. In case those are blocked in a handler (a database, a sleep),
// a watch thread checks every millisecond while calls are held back, and when none was taken
// for a whole tick it wakes sleeping workers for them.
//
// The worker that went to sleep last is woken first. A condition variable wakes the one that
// has slept longest, so under light load successive calls went round every worker in turn,
// each time on a cold stack and a thread cache the other threads' frees had not refilled.
//
// A worker sleeps on a semaphore of its own, outside the pool's lock. Waking from a condition
// variable, glibc takes the mutex back marked contended, so the worker's next unlock made a
// futex call for nobody: half a system call per call under light load (docs/performance.md).
#include <semaphore.h>

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "http/io_loop.hpp"

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
  /// `cpus`: how many workers may be woken to run at once; 0: the CPUs this process may run on.
  worker_pool(unsigned threads, std::size_t queue_limit, unsigned cpus = 0);
  ~worker_pool();
  worker_pool(const worker_pool&) = delete;
  worker_pool& operator=(const worker_pool&) = delete;

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
  /// Runs `f(slot&)` (or `f()`) on the pool, the slot already acquired; the slot is released
  /// when `f` calls release(), or after `f` at the latest. Exceptions from `f` are dropped.
  /// `batch_on`: the executor of the calling I/O thread, which wakes sleeping workers once its
  /// ready handlers have run; null wakes one now (any other thread).
  /// `may_run_here`: when called in a handler of an http::io_loop that takes work, the call
  /// runs on that thread once its ready handlers have run (a call known to be short: no hop
  /// to a worker and back), holding a sleeping worker meanwhile so that no more handlers run
  /// at once than there are workers; should it run long, the loop's spare takes the loop
  /// over. Whatever that loop cannot run, or with no worker asleep, goes to the workers.
  /// Returns whether the call was queued on that loop; then `delayed`, when set, is called if
  /// it will not run there promptly after all (http::io_loop::delay_hook).
  template <class F>
  bool submit(F f, const net::any_io_executor* batch_on = nullptr, bool may_run_here = false,
              http::io_loop::delay_hook delayed = {}) {
    if constexpr (std::is_invocable_v<F&, slot&>) {
      if (may_run_here)
        if (auto* l = http::io_loop::current(); l && l->accepts_work()) {
          run_on(*l, job(std::move(f)), std::move(delayed));
          return true;
        }
      enqueue(job(std::move(f)), batch_on);
      return false;
    } else {
      return submit([f = std::move(f)](slot&) mutable { f(); }, batch_on, may_run_here, std::move(delayed));
    }
  }
  std::size_t in_flight() const noexcept { return in_flight_.load(std::memory_order_relaxed); }
  std::size_t limit() const noexcept { return limit_; }
  /// Queued calls are dropped (their slots freed); running ones finish. Idempotent.
  void stop();
  /// Waits for the threads to end: after stop(), once running handlers returned; without
  /// stop(), once the queue is empty too (as Asio's thread_pool::join).
  void join();
  /// Calls run on an I/O thread, outside its loop, instead of on a worker.
  std::size_t ran_on_io_threads() const noexcept { return ran_here_.load(std::memory_order_relaxed); }
  /// Times sleeping workers were woken (a measure of the batching; tests read it).
  std::size_t wakeups() const noexcept { return wakeups_.load(std::memory_order_relaxed); }
  /// Of those, the ones the watch made for calls held back behind busy or blocked workers.
  std::size_t watch_wakeups() const noexcept { return watch_wakeups_.load(std::memory_order_relaxed); }
  /// Workers asleep now and not yet signalled, waiting for a call (tests read it).
  std::size_t sleeping() {
    std::lock_guard lock(mu_);
    return idle_.size();
  }

 private:
  using job = std::function<void(slot&)>;
  void enqueue(job j, const net::any_io_executor* batch_on);
  void run_on(http::io_loop& l, job j, http::io_loop::delay_hook delayed);
  /// Wakes as many sleeping workers as there are queued calls, up to the CPUs (all of them with
  /// `uncapped`); unlocks `lock`.
  void wake(std::unique_lock<std::mutex>& lock, bool uncapped = false);
  /// One worker's place to sleep. Owned by the pool, so a worker may be signalled after its
  /// wait ended (or its thread did) without touching freed memory.
  struct bed {
    bed() noexcept { ::sem_init(&sem, 0, 0); }
    ~bed() { ::sem_destroy(&sem); }
    bed(const bed&) = delete;
    bed& operator=(const bed&) = delete;
    void post() noexcept { ::sem_post(&sem); }  // a futex call only when the worker sleeps in it
    void wait() noexcept {
      while (::sem_wait(&sem) != 0) {  // EINTR: a signal handler ran
      }
    }
    sem_t sem;
    bool signalled = false;  ///< under the pool's lock: wake() took it off idle_
  };
  void work(bed& me);
  /// A call run on an I/O thread stands in for a sleeping worker, kept asleep meanwhile, so
  /// that no more handlers run at once than there are workers. Null: none sleeps.
  bed* hold_idle_worker();
  void give_back(bed* b);
  /// Signals every sleeping worker (stop, join).
  void wake_all();
  /// The watch thread: wakes workers for held-back calls that nobody took for a tick.
  void watch();

  unsigned threads_;
  unsigned cpus_;
  std::size_t limit_;
  std::atomic<std::size_t> in_flight_{0};
  // Signed: an end may be counted a moment before its begin (worker_call).
  std::atomic<long> overdue_{0};
  std::atomic<std::size_t> wakeups_{0};
  std::atomic<std::size_t> ran_here_{0};
  std::atomic<std::size_t> watch_wakeups_{0};

  std::mutex mu_;
  std::vector<std::unique_ptr<bed>> beds_;  ///< one per worker, for the pool's whole life
  std::vector<bed*> idle_;                  ///< sleeping, not signalled; the last one slept last
  std::deque<job> queue_;
  unsigned to_wake_ = 0;      ///< signalled, not yet awake: not counted twice by the next wake
  bool wake_posted_ = false;  ///< an I/O thread will wake workers when its pass ends
  bool stopped_ = false;
  bool joining_ = false;         ///< workers end when the queue is empty
  bool held_back_ = false;       ///< calls were left queued with workers asleep, for the CPUs' sake
  bool watch_sleeping_ = false;  ///< the watch waits without a timeout: notify it to hold back
  bool watch_ends_ = false;
  std::size_t taken_ = 0;  ///< calls taken from the queue; the watch's measure of progress
  std::condition_variable watch_cv_;
  std::vector<std::thread> workers_;
  std::thread watch_thread_;
};

}  // namespace mcpx::transport
