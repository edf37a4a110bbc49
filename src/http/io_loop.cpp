#include "http/io_loop.hpp"

#include <time.h>

#include <boost/asio/post.hpp>
#include <exception>

namespace mcpx::http {

namespace {

thread_local io_loop* running_loop = nullptr;
thread_local bool on_spare = false;  // this thread is a spare running its loop's handlers

// How often the spare looks while batches run, and how many ticks without a new batch it
// waits before it sleeps until the loop's next batch wakes it.
constexpr std::int64_t tick_ns = 1'000'000;
constexpr int quiet_ticks = 100;

void wait(sem_t& s) {
  while (::sem_wait(&s) != 0) {  // EINTR: a signal handler ran
  }
}

}  // namespace

io_loop::io_loop(boost::asio::io_context& ioc, bool with_spare, std::function<void(std::string_view)> on_exception)
    : ioc_(ioc), with_spare_(with_spare), on_exception_(std::move(on_exception)) {
  ::sem_init(&spare_sem_, 0, 0);
  ::sem_init(&handback_sem_, 0, 0);
}

io_loop::~io_loop() {
  stop();
  ::sem_destroy(&handback_sem_);
  ::sem_destroy(&spare_sem_);
}

io_loop* io_loop::current() noexcept { return running_loop; }

io_loop* io_loop::hold(const boost::asio::io_context& ioc) noexcept {
  io_loop* l = running_loop;
  if (!l || &l->ioc_ != &ioc) return nullptr;
  if (on_spare) return l;  // it runs handlers only while it has the loop
  // The loop's own thread: in a handler (no batch), or in a batch's work not taken over.
  int expect = running;
  if (l->batch_state_.compare_exchange_strong(expect, held) || expect == idle) return l;
  return nullptr;
}

void io_loop::release_hold() noexcept {
  if (on_spare) return;
  int expect = held;
  batch_state_.compare_exchange_strong(expect, running);
}

std::int64_t io_loop::now_ns() noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void io_loop::start() {
  threads_[0] = std::thread([this] { run_events(); });
  if (with_spare_) threads_[1] = std::thread([this] { spare_main(); });
}

void io_loop::stop() {
  // Before the io_context stops: the spare, finding run_one() returned, knows why.
  stopping_.store(true);
  ioc_.stop();
  ::sem_post(&spare_sem_);
  for (auto& t : threads_)
    if (t.joinable() && t.get_id() != std::this_thread::get_id()) t.join();
}

void io_loop::run_after_pass(work w, delay_hook delayed) {
  // Posted now, the batch's handler runs after the handlers ready before it.
  if (batch_.empty()) boost::asio::post(ioc_, [this] { run_batch(); });
  batch_.push_back({std::move(w), std::move(delayed)});
}

namespace {

void call(const io_loop::delay_hook& h) noexcept {
  if (!h) return;
  try {
    h();
  } catch (...) {
  }
}

}  // namespace

void io_loop::run_events() {
  running_loop = this;
  for (;;) {
    try {
      ioc_.run();
      break;
    } catch (const std::exception& e) {
      // A handler bug must not take the listener down; report it and keep running.
      if (on_exception_) on_exception_(e.what());
    }
  }
  running_loop = nullptr;
}

void io_loop::run_batch() {
  // Swapped out: a handler the spare runs meanwhile finds no spare (accepts_work() is false)
  // and never touches batch_ while these run; the vectors keep their capacity.
  running_batch_.swap(batch_);
  const std::int64_t since = now_ns();
  batch_since_.store(since);
  batch_state_.store(running);
  batches_.fetch_add(1);
  if (spare_sleeping_.load()) ::sem_post(&spare_sem_);  // it looks once a millisecond from now
  std::size_t i = 0;
  auto run = [](item& it, bool here) {
    bool ran = false;
    try {
      ran = it.w(here);
    } catch (...) {
    }
    if (!ran) call(it.delayed);
  };
  for (; i < running_batch_.size(); ++i) {
    if (batch_state_.load(std::memory_order_relaxed) == taken) break;
    if (i > 0 && now_ns() - since >= std::chrono::nanoseconds(pass_budget).count()) break;
    ran_.fetch_add(1, std::memory_order_relaxed);
    run(running_batch_[i], true);
  }
  for (; i < running_batch_.size(); ++i) run(running_batch_[i], false);
  int expect = running;
  if (!batch_state_.compare_exchange_strong(expect, idle)) {
    // The spare runs the loop's handlers: have them back before this handler returns, so that
    // two threads never run handlers at once. The post wakes it from its wait for events.
    want_back_.store(true);
    boost::asio::post(ioc_, [] {});
    wait(handback_sem_);
    batch_state_.store(idle);
  }
  running_batch_.clear();
}

void io_loop::spare_main() {
  while (be_spare()) {
    running_loop = this;
    on_spare = true;
    while (!want_back_.load() && !stopping_.load()) {
      try {
        ioc_.run_one();
      } catch (const std::exception& e) {
        if (on_exception_) on_exception_(e.what());
      }
    }
    running_loop = nullptr;
    on_spare = false;
    want_back_.store(false);
    ::sem_post(&handback_sem_);
    if (stopping_.load()) return;
  }
}

bool io_loop::be_spare() {
  std::uint64_t seen = batches_.load();
  int quiet = 0;
  spare_ready_.store(true, std::memory_order_release);
  for (;;) {
    if (quiet < quiet_ticks) {
      timespec until{};
      ::clock_gettime(CLOCK_MONOTONIC, &until);
      until.tv_nsec += tick_ns;
      if (until.tv_nsec >= 1'000'000'000) {
        until.tv_nsec -= 1'000'000'000;
        ++until.tv_sec;
      }
      ::sem_clockwait(&spare_sem_, CLOCK_MONOTONIC, &until);
    } else {
      spare_sleeping_.store(true);
      // A batch begun after the last look, whose post this wait would otherwise miss.
      if (batches_.load() == seen && !stopping_.load()) wait(spare_sem_);
      spare_sleeping_.store(false);
      quiet = 0;
    }
    if (stopping_.load()) {
      spare_ready_.store(false);
      return false;
    }
    const std::uint64_t now_batches = batches_.load();
    quiet = now_batches == seen ? quiet + 1 : 0;
    seen = now_batches;
    if (batch_state_.load() != running) continue;
    if (now_ns() - batch_since_.load() < std::chrono::nanoseconds(takeover_after).count()) continue;
    int expect = running;
    if (!batch_state_.compare_exchange_strong(expect, taken)) continue;
    spare_ready_.store(false);
    takeovers_.fetch_add(1, std::memory_order_relaxed);
    // The batch's thread no longer changes running_batch_ (it clears it once handed back).
    for (const auto& it : running_batch_) call(it.delayed);
    return true;
  }
}

}  // namespace mcpx::http
