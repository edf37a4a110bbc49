#include "http/event_stream.hpp"

#include <boost/asio/experimental/awaitable_operators.hpp>

#include "http/io_loop.hpp"

namespace mcpx::http {

event_stream::event_stream(net::any_io_executor ex) : ex_(ex), timer_(ex) {
  timer_.expires_at(net::steady_timer::time_point::max());
}

void event_stream::push(stream_item item) {
  bool waiting;
  {
    std::lock_guard lock(mu_);
    if (closed_ || cancelled()) return;
    queue_.push_back(std::move(item));
    waiting = std::exchange(waiting_, false);
  }
  if (waiting) wake();
}

void event_stream::push_final(stream_item item) {
  bool waiting;
  {
    std::lock_guard lock(mu_);
    if (closed_ || cancelled()) return;
    item.last = true;
    queue_.push_back(std::move(item));
    closed_ = true;
    waiting = std::exchange(waiting_, false);
  }
  if (waiting) wake();
}

void event_stream::unshift(stream_item item) {
  std::lock_guard lock(mu_);
  queue_.push_front(std::move(item));
}

bool event_stream::drained() const {
  std::lock_guard lock(mu_);
  return closed_ && queue_.empty();
}

void event_stream::close() {
  bool waiting;
  {
    std::lock_guard lock(mu_);
    if (closed_) return;
    closed_ = true;
    waiting = std::exchange(waiting_, false);
  }
  if (waiting) wake();
}

/// Allocates a wake-up's operation with event_stream::wake_memory.
template <class T>
struct wake_allocator {
  using value_type = T;
  event_stream* s;
  explicit wake_allocator(event_stream* es) noexcept : s(es) {}
  template <class U>
  wake_allocator(const wake_allocator<U>& o) noexcept : s(o.s) {}  // NOLINT: rebinding converts
  T* allocate(std::size_t n) { return static_cast<T*>(s->wake_memory(n * sizeof(T))); }
  void deallocate(T* p, std::size_t) noexcept { s->free_wake_memory(p); }
  template <class U>
  bool operator==(const wake_allocator<U>& o) const noexcept {
    return s == o.s;
  }
};

void* event_stream::wake_memory(std::size_t size) {
  if (size <= wake_block_size && !wake_block_used_.exchange(true, std::memory_order_acquire)) return wake_block_;
  return ::operator new(size);
}

void event_stream::free_wake_memory(void* p) noexcept {
  if (p == wake_block_) wake_block_used_.store(false, std::memory_order_release);
  else ::operator delete(p);
}

void event_stream::wake() {
  // The timer is only touched on the consumer's executor: at once by a thread that runs its
  // handlers now (a short call run on that thread: no handler to post, no reactor poll before
  // it). Else posted: the operation is freed before the handler runs, and the handler keeps
  // this stream (and its block) alive until then.
  auto* io = ex_.target<net::io_context::executor_type>();
  if (io)
    if (auto* l = io_loop::hold(io->context())) {
      timer_.cancel();
      l->release_hold();
      return;
    }
  auto cancel_timer = [self = shared_from_this()] { self->timer_.cancel(); };
  if (io) net::post(*io, net::bind_allocator(wake_allocator<void>(this), std::move(cancel_timer)));
  else net::post(ex_, std::move(cancel_timer));
}

void event_stream::watch(std::weak_ptr<request_watcher> w, std::chrono::steady_clock::time_point deadline,
                         std::chrono::steady_clock::time_point nudge) {
  {
    std::lock_guard lock(mu_);
    watcher_ = std::move(w);
    watch_deadline_ = deadline;
    nudge_ = nudge;
  }
}

void event_stream::wait_quietly() {
  std::lock_guard lock(mu_);
  quiet_ = true;
}

void event_stream::end_quiet() {
  bool waiting;
  {
    std::lock_guard lock(mu_);
    if (!quiet_) return;
    quiet_ = false;
    waiting = std::exchange(waiting_, false);
  }
  if (waiting) wake();
}

void event_stream::cancel() {
  if (cancelled_.exchange(true, std::memory_order_acq_rel)) return;
  std::shared_ptr<request_watcher> w;
  {
    std::lock_guard lock(mu_);
    w = watcher_.lock();
    queue_.clear();
  }
  if (w) w->client_gone();
  wake();
}

net::awaitable<std::optional<stream_item>> event_stream::next() { return next_for(std::chrono::milliseconds::max()); }

net::awaitable<std::optional<stream_item>> event_stream::next_for(std::chrono::milliseconds d) {
  const auto deadline = d == std::chrono::milliseconds::max() ? net::steady_timer::time_point::max()
                                                              : net::steady_timer::clock_type::now() + d;
  for (;;) {
    net::steady_timer::time_point watched, nudge;
    {
      std::lock_guard lock(mu_);
      if (!queue_.empty()) {
        stream_item item = std::move(queue_.front());
        queue_.pop_front();
        co_return item;
      }
      if (closed_ || cancelled()) co_return std::nullopt;
      const auto never = net::steady_timer::time_point::max();
      watched = quiet_ ? never : watch_deadline_;
      nudge = quiet_ ? never : nudge_;
      waiting_ = true;
    }
    const auto now = net::steady_timer::clock_type::now();
    if (now >= nudge) {
      if (auto w = watcher_for(nudge_)) w->still_waiting();
      continue;
    }
    if (now >= watched) {
      if (auto w = watcher_for(watch_deadline_)) w->deadline_passed();
      continue;  // what it pushed (the answer) is the next item
    }
    if (now >= deadline) co_return stream_item{{}, {}, true};
    timer_.expires_at(std::min({deadline, watched, nudge}));
    auto [ec] = co_await timer_.async_wait(net::as_tuple(net::use_awaitable));
    (void)ec;  // cancelled = woken by a producer; expired = deadline, re-checked above
  }
}

std::shared_ptr<request_watcher> event_stream::watcher_for(std::chrono::steady_clock::time_point& when) {
  std::lock_guard lock(mu_);
  when = std::chrono::steady_clock::time_point::max();  // told once
  return watcher_.lock();
}

std::optional<stream_item> event_stream::try_next() {
  std::lock_guard lock(mu_);
  if (queue_.empty()) return std::nullopt;
  stream_item item = std::move(queue_.front());
  queue_.pop_front();
  return item;
}

std::string sse_event(std::string_view id, std::string_view data, unsigned retry_ms) {
  std::string out;
  append_sse_event(out, id, data, retry_ms);
  return out;
}

void append_sse_event(std::string& out, std::string_view id, std::string_view data, unsigned retry_ms) {
  out.reserve(out.size() + data.size() + id.size() + 40);
  if (!id.empty()) {
    out += "id: ";
    out += id;
    out += '\n';
  }
  if (retry_ms) {
    out += "retry: ";
    out += std::to_string(retry_ms);
    out += '\n';
  }
  out += "event: message\n";
  // JSON from our encoder has no raw newlines, but split defensively: SSE ends a field at LF.
  std::size_t start = 0;
  while (start <= data.size()) {
    auto nl = data.find('\n', start);
    auto line = data.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start);
    out += "data: ";
    out += line;
    out += '\n';
    if (nl == std::string_view::npos) break;
    start = nl + 1;
  }
  out += '\n';
}

}  // namespace mcpx::http
