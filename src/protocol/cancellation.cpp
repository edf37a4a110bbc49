#include "mcpx/cancellation.hpp"

#include <utility>

namespace mcpx {

std::string_view to_string(cancel_reason r) noexcept {
  switch (r) {
    case cancel_reason::none: return "none";
    case cancel_reason::deadline: return "deadline";
    case cancel_reason::client: return "client";
    case cancel_reason::task: return "task";
  }
  return "none";
}

namespace {
constexpr auto no_deadline = std::chrono::steady_clock::time_point::max().time_since_epoch().count();
}

cancel_reason cancellation_token::reason() const noexcept {
  auto r = reason_.load(std::memory_order_acquire);
  if (r != cancel_reason::none) return r;
  auto d = deadline_.load(std::memory_order_acquire);
  // No clock read for a call without a deadline.
  if (d != no_deadline && clock::now().time_since_epoch().count() >= d) return cancel_reason::deadline;
  return cancel_reason::none;
}

cancellation_token::clock::time_point cancellation_token::deadline() const noexcept {
  return clock::time_point(clock::duration(deadline_.load(std::memory_order_acquire)));
}

std::chrono::milliseconds cancellation_token::remaining() const noexcept {
  if (reason_.load(std::memory_order_acquire) != cancel_reason::none) return std::chrono::milliseconds::zero();
  auto d = deadline();
  if (d == clock::time_point::max()) return std::chrono::milliseconds::max();
  auto now = clock::now();
  return now >= d ? std::chrono::milliseconds::zero() : std::chrono::duration_cast<std::chrono::milliseconds>(d - now);
}

bool cancellation_token::wait_until(clock::time_point t) const {
  std::unique_lock lock(mu_);
  for (;;) {
    if (reason_.load(std::memory_order_acquire) != cancel_reason::none) return true;
    auto d = deadline();
    auto now = clock::now();
    if (now >= d) return true;
    if (now >= t) return false;
    auto until = std::min(t, d);
    if (until == clock::time_point::max()) cv_.wait(lock);
    else cv_.wait_until(lock, until);
  }
}

cancellation_token::registration cancellation_token::on_cancel(std::function<void()> fn) const {
  std::unique_lock lock(mu_);
  if (reason_.load(std::memory_order_acquire) != cancel_reason::none) {
    lock.unlock();
    if (fn) fn();
    return {};
  }
  callbacks_.push_back({std::move(fn)});
  return registration(this, std::prev(callbacks_.end()));
}

bool cancellation_token::cancel(cancel_reason why) noexcept {
  if (why == cancel_reason::none) return false;
  std::unique_lock lock(mu_);
  if (reason_.load(std::memory_order_acquire) != cancel_reason::none) return false;
  reason_.store(why, std::memory_order_release);
  cv_.notify_all();
  runner_ = std::this_thread::get_id();
  // Registrations may end meanwhile (not the running one: its end waits), and none is added
  // once cancelled (on_cancel runs those at once), so the running node's iterator stays valid.
  for (auto it = callbacks_.begin(); it != callbacks_.end(); ++it) {
    if (it->state != detail::cancel_callback::pending) continue;
    it->state = detail::cancel_callback::running;
    lock.unlock();
    try {
      if (it->fn) it->fn();
    } catch (...) {
      // A callback's failure must not stop the others, nor escape into the server.
    }
    lock.lock();
    it->state = detail::cancel_callback::done;
    ran_.notify_all();
  }
  return true;
}

void cancellation_token::set_deadline(clock::time_point t) noexcept {
  std::lock_guard lock(mu_);
  deadline_.store(t.time_since_epoch().count(), std::memory_order_release);
  cv_.notify_all();
}

const cancellation_token& cancellation_token::never() noexcept {
  static const cancellation_token t;
  return t;
}

cancellation_token::registration::registration(registration&& o) noexcept
    : token_(std::exchange(o.token_, nullptr)), it_(o.it_) {}

cancellation_token::registration& cancellation_token::registration::operator=(registration&& o) noexcept {
  if (this != &o) {
    reset();
    token_ = std::exchange(o.token_, nullptr);
    it_ = o.it_;
  }
  return *this;
}

void cancellation_token::registration::reset() noexcept {
  if (!token_) return;
  const cancellation_token& t = *std::exchange(token_, nullptr);
  std::unique_lock lock(t.mu_);
  if (it_->state == detail::cancel_callback::running && t.runner_ != std::this_thread::get_id())
    t.ran_.wait(lock, [&] { return it_->state != detail::cancel_callback::running; });
  // Running on this very thread means a callback ends its own registration: documented as
  // not allowed; erasing it then would pull the node from under cancel().
  if (it_->state != detail::cancel_callback::running) t.callbacks_.erase(it_);
}

}  // namespace mcpx
