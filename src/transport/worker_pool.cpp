#include "transport/worker_pool.hpp"

#include <algorithm>
#include <boost/asio/post.hpp>

namespace mcpx::transport {

worker_pool::worker_pool(unsigned threads, std::size_t queue_limit)
    : threads_(threads ? threads : 1), limit_(queue_limit) {
  workers_.reserve(threads_);
  for (unsigned i = 0; i < threads_; ++i) workers_.emplace_back([this] { work(); });
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

void worker_pool::wake(std::unique_lock<std::mutex>& lock) {
  // Already-signalled workers will take some of the queue: wake only for the rest.
  std::size_t want = queue_.size() > to_wake_ ? queue_.size() - to_wake_ : 0;
  unsigned idle = sleeping_ > to_wake_ ? sleeping_ - to_wake_ : 0;
  auto n = static_cast<unsigned>(std::min<std::size_t>(want, idle));
  if (n == 0) return;
  to_wake_ += n;
  // Signalled after unlocking: on a busy CPU the woken worker runs at once, and would find the
  // lock still held by this thread (a switch there and back for nothing).
  lock.unlock();
  wakeups_.fetch_add(n, std::memory_order_relaxed);
  for (unsigned i = 0; i < n; ++i) cv_.notify_one();
}

void worker_pool::work() {
  std::unique_lock lock(mu_);
  for (;;) {
    while (queue_.empty() && !stopped_ && !joining_) {
      ++sleeping_;
      cv_.wait(lock);
      --sleeping_;
      if (to_wake_ > 0) --to_wake_;
    }
    if (stopped_ || queue_.empty()) return;  // stopped, or joined with nothing left to do
    job j = std::move(queue_.front());
    queue_.pop_front();
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

void worker_pool::stop() {
  std::deque<job> dropped;
  {
    std::lock_guard lock(mu_);
    if (stopped_) return;
    stopped_ = true;
    dropped.swap(queue_);
  }
  cv_.notify_all();
  for (std::size_t i = 0; i < dropped.size(); ++i) in_flight_.fetch_sub(1, std::memory_order_relaxed);
}

void worker_pool::join() {
  {
    std::lock_guard lock(mu_);
    joining_ = true;
  }
  cv_.notify_all();
  for (auto& t : workers_)
    if (t.joinable() && t.get_id() != std::this_thread::get_id()) t.join();
}

}  // namespace mcpx::transport
