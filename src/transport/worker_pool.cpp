#include "transport/worker_pool.hpp"

#include <sched.h>

#include <algorithm>
#include <boost/asio/post.hpp>

namespace mcpx::transport {

namespace {

unsigned usable_cpus() {
  cpu_set_t set;
  if (::sched_getaffinity(0, sizeof set, &set) != 0) return 0;
  return static_cast<unsigned>(CPU_COUNT(&set));
}

// How often the watch looks while calls are held back, and how many quiet ticks it waits
// before it sleeps until notified (so steady load does not notify it at every pass).
constexpr auto watch_tick = std::chrono::milliseconds(1);
constexpr int quiet_ticks = 100;

}  // namespace

worker_pool::worker_pool(unsigned threads, std::size_t queue_limit, unsigned cpus)
    : threads_(threads ? threads : 1), cpus_(cpus ? cpus : std::max(usable_cpus(), 1u)), limit_(queue_limit) {
  beds_.reserve(threads_);
  idle_.reserve(threads_);
  for (unsigned i = 0; i < threads_; ++i) beds_.push_back(std::make_unique<bed>());
  workers_.reserve(threads_);
  for (unsigned i = 0; i < threads_; ++i) workers_.emplace_back([this, b = beds_[i].get()] { work(*b); });
  // With at least as many CPUs as workers nothing is ever held back.
  if (cpus_ < threads_) watch_thread_ = std::thread([this] { watch(); });
}

worker_pool::~worker_pool() {
  stop();
  join();
}

void worker_pool::enqueue(job j, const net::any_io_executor* batch_on) {
  std::unique_lock lock(mu_);
  if (stopped_) {
    lock.unlock();
    slot s(*this);  // dropped like a queued call at stop(): its slot is freed
    return;
  }
  queue_.push_back(std::move(j));
  if (!batch_on) return wake(lock);
  if (wake_posted_) return;  // the pass under way wakes them for this call too
  wake_posted_ = true;
  lock.unlock();
  // After the handlers ready on this I/O thread now: every call they queue shares the wakeup.
  net::post(*batch_on, [this] {
    std::unique_lock l(mu_);
    wake_posted_ = false;
    wake(l);
  });
}

void worker_pool::run_on(http::io_loop& l, job j, http::io_loop::delay_hook delayed) {
  l.run_after_pass(
      [this, j = std::move(j)](bool here) mutable {
        // Not here (taken over, the pass's budget spent, stopping), or no worker to stand for.
        bed* held = here ? hold_idle_worker() : nullptr;
        if (!held) {
          enqueue(std::move(j), nullptr);
          return false;
        }
        ran_here_.fetch_add(1, std::memory_order_relaxed);
        {
          slot s(*this);
          try {
            j(s);
          } catch (...) {
          }
          j = nullptr;
        }
        give_back(held);
        return true;
      },
      std::move(delayed));
}

worker_pool::bed* worker_pool::hold_idle_worker() {
  std::lock_guard lock(mu_);
  if (idle_.empty() || stopped_ || joining_) return nullptr;
  bed* b = idle_.front();  // the one asleep longest: nothing of its warmth is used here
  idle_.erase(idle_.begin());
  return b;
}

void worker_pool::give_back(bed* b) {
  std::unique_lock lock(mu_);
  if (stopped_ || joining_) return;  // woken by wake_all(), it has left idle_ for good
  idle_.insert(idle_.begin(), b);
  // Calls held back while it counted as awake may take it now.
  if (!queue_.empty()) wake(lock);
}

void worker_pool::wake(std::unique_lock<std::mutex>& lock, bool uncapped) {
  // Already-signalled workers will take some of the queue: wake only for the rest.
  std::size_t want = queue_.size() > to_wake_ ? queue_.size() - to_wake_ : 0;
  auto n = static_cast<unsigned>(std::min<std::size_t>(want, idle_.size()));
  auto awake = static_cast<unsigned>(threads_ - idle_.size());  // running a call, looking for one, or signalled
  unsigned room = cpus_ > awake ? cpus_ - awake : 0;
  bool notify_watch = false;
  if (!uncapped && n > room) {
    n = room;
    notify_watch = !held_back_ && watch_sleeping_;
    held_back_ = true;
  }
  if (n == 0 && !notify_watch) return;
  to_wake_ += n;
  // The workers that slept last: their stacks and thread caches are the warmest.
  bed* woken[8];
  unsigned picked = 0;
  for (unsigned i = 0; i < n; ++i) {
    bed* b = idle_.back();
    idle_.pop_back();
    b->signalled = true;
    if (picked < std::size(woken)) woken[picked++] = b;
    else b->post();  // more than 8 at once: rare, signalled under the lock
  }
  // Signalled after unlocking: on a busy CPU the woken worker runs at once, and would find the
  // lock still held by this thread (a switch there and back for nothing). A bed outlives its
  // worker's wait, so signalling one whose worker already woke is harmless.
  lock.unlock();
  wakeups_.fetch_add(n, std::memory_order_relaxed);
  if (uncapped) watch_wakeups_.fetch_add(n, std::memory_order_relaxed);
  for (unsigned i = 0; i < picked; ++i) woken[i]->post();
  if (notify_watch) watch_cv_.notify_one();
}

void worker_pool::watch() {
  std::unique_lock lock(mu_);
  std::size_t seen = taken_;
  int quiet = 0;
  while (!watch_ends_) {
    if (!held_back_ && quiet >= quiet_ticks) {
      watch_sleeping_ = true;
      watch_cv_.wait(lock);
      watch_sleeping_ = false;
      quiet = 0;
      seen = taken_;
      continue;
    }
    watch_cv_.wait_for(lock, watch_tick);
    if (queue_.empty()) held_back_ = false;
    if (!held_back_) {
      ++quiet;
      continue;
    }
    quiet = 0;
    if (taken_ == seen && !stopped_) {
      // A whole tick and no call taken: the awake workers are blocked in handlers.
      wake(lock, true);
      if (!lock.owns_lock()) lock.lock();
    }
    seen = taken_;
  }
}

void worker_pool::work(bed& me) {
  std::unique_lock lock(mu_);
  for (;;) {
    while (queue_.empty() && !stopped_ && !joining_) {
      idle_.push_back(&me);
      // Posted by wake() (which took it off idle_) or by wake_all() (stop, join); a post made
      // before the wait begins is not lost, and one left from wake_all() only makes it look again.
      do {
        lock.unlock();
        me.wait();
        lock.lock();
      } while (!me.signalled && !stopped_ && !joining_);
      if (me.signalled) {
        me.signalled = false;  // wake() took it off idle_
        --to_wake_;
      } else if (auto it = std::find(idle_.begin(), idle_.end(), &me); it != idle_.end()) {
        idle_.erase(it);  // not there: held for a call on an I/O thread (hold_idle_worker)
      }
    }
    if (stopped_ || queue_.empty()) return;  // stopped, or joined with nothing left to do
    job j = std::move(queue_.front());
    queue_.pop_front();
    ++taken_;
    lock.unlock();
    {
      slot s(*this);
      try {
        j(s);
      } catch (...) {
      }
      j = nullptr;  // what the call holds goes before the next one starts
    }
    lock.lock();
  }
}

void worker_pool::wake_all() {
  // Each looks at stopped_ and joining_ (set before this, under the lock) when it wakes.
  for (auto& b : beds_) b->post();
}

void worker_pool::stop() {
  std::deque<job> dropped;
  {
    std::lock_guard lock(mu_);
    if (stopped_) return;
    stopped_ = true;
    dropped.swap(queue_);
  }
  wake_all();
  for (std::size_t i = 0; i < dropped.size(); ++i) in_flight_.fetch_sub(1, std::memory_order_relaxed);
}

void worker_pool::join() {
  {
    std::lock_guard lock(mu_);
    joining_ = true;
  }
  wake_all();
  for (auto& t : workers_)
    if (t.joinable() && t.get_id() != std::this_thread::get_id()) t.join();
  {
    std::lock_guard lock(mu_);
    watch_ends_ = true;
  }
  watch_cv_.notify_one();
  if (watch_thread_.joinable() && watch_thread_.get_id() != std::this_thread::get_id()) watch_thread_.join();
}

}  // namespace mcpx::transport
