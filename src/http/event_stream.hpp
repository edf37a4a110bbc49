#pragma once
// A queue of SSE chunks: filled from any thread, drained by one connection coroutine.
#include <atomic>
#include <boost/container/devector.hpp>
#include <mutex>
#include <optional>
#include <string>

#include "http/types.hpp"

namespace mcpx::http {

/// One message on a stream: its SSE event id (may be empty) and its JSON text.
struct stream_item {
  std::string id;
  std::string data;
  bool keepalive = false;  ///< no message: the wait timed out, send a comment line
  unsigned retry_ms = 0;   ///< when set, tells the client how soon to reconnect (SSE "retry:")
  bool last = false;       ///< queued by push_final: the response that ends the stream
};

class event_stream : public std::enable_shared_from_this<event_stream> {
 public:
  explicit event_stream(net::any_io_executor ex);

  // Producer side: thread-safe.
  /// Queues one message. Ignored after close/cancel.
  void push(stream_item item);
  /// Queues the last message and closes, atomically (see drained()).
  void push_final(stream_item item);
  /// No more chunks: the connection finishes the response after draining.
  void close();
  /// True once the consumer is gone (client disconnected or write failed).
  bool cancelled() const noexcept { return cancelled_.load(std::memory_order_acquire); }
  /// Tells `w` when the stream is cancelled (client_gone, on the cancelling thread), and, once,
  /// when `deadline` passes while the consumer waits for an item and the stream is still open
  /// (deadline_passed, on the consumer's executor; what it pushes is the next item). Replaces
  /// an earlier watcher. Costs no timer of its own: the consumer's wait ends at the deadline.
  /// Call it before the consumer starts waiting (a wait under way keeps its earlier end).
  /// `nudge`: when the consumer still waits then, it tells `w` still_waiting(), once.
  void watch(std::weak_ptr<request_watcher> w,
             std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max(),
             std::chrono::steady_clock::time_point nudge = std::chrono::steady_clock::time_point::max());

  /// Consumer side, before it waits: until end_quiet(), waits end at neither the watched
  /// deadline nor the nudge (the timer is armed at no time: no system call to reprogram the
  /// loop's timerfd). For a call queued to run on the consumer's own thread, which cannot
  /// pass its deadline unnoticed unless that thread's loop is taken over.
  void wait_quietly();
  /// Waits end at the watched deadline and nudge again; a wait under way is woken to arm its
  /// timer. Thread-safe, idempotent.
  void end_quiet();

  // Consumer side: the connection's executor only.
  /// Waits for the next message; nullopt when closed and drained.
  net::awaitable<std::optional<stream_item>> next();
  /// Waits at most `d`; returns an item with `keepalive` set on timeout.
  net::awaitable<std::optional<stream_item>> next_for(std::chrono::milliseconds d);
  /// The next message if one is queued now, without waiting (to write several at once).
  std::optional<stream_item> try_next();
  /// True when closed and nothing is left: the item just taken was the final one.
  bool drained() const;
  /// Puts a taken item back at the front (the transport peeks at the first message).
  void unshift(stream_item item);
  void cancel();

 private:
  void wake();
  /// Memory for the wake-up's Asio operation: this stream's block when free, else the heap.
  void* wake_memory(std::size_t size);
  void free_wake_memory(void* p) noexcept;
  template <class T>
  friend struct wake_allocator;
  /// The watcher, to be told that `when` (one of the times below) came; `when` is cleared.
  std::shared_ptr<request_watcher> watcher_for(std::chrono::steady_clock::time_point& when);
  net::any_io_executor ex_;
  net::steady_timer timer_;
  mutable std::mutex mu_;
  // Not std::deque: that allocates twice when made, and most streams carry one item.
  boost::container::devector<stream_item> queue_;
  bool closed_ = false;
  // The consumer is about to wait (or waits) for the timer: only then does a producer post a
  // wake-up. Items pushed while it writes are found when it looks again, at no cost to the
  // producer's or the I/O thread's time (a post is a cross-thread interrupt of the I/O thread).
  bool waiting_ = false;
  bool quiet_ = false;  ///< see wait_quietly()
  std::weak_ptr<request_watcher> watcher_;
  std::chrono::steady_clock::time_point watch_deadline_ = std::chrono::steady_clock::time_point::max();
  std::chrono::steady_clock::time_point nudge_ = std::chrono::steady_clock::time_point::max();
  std::atomic<bool> cancelled_{false};
  // A producer is usually a worker thread: Asio's per-thread recycling does not serve it, so
  // each wake-up cost two mallocs there and two frees on the I/O thread. One wake-up at a time
  // is pending (waiting_), a second only from cancel(): one block serves nearly all of them.
  static constexpr std::size_t wake_block_size = 128;
  alignas(std::max_align_t) unsigned char wake_block_[wake_block_size];
  std::atomic<bool> wake_block_used_{false};
};

/// Frames one SSE event. `id` may be empty.
std::string sse_event(std::string_view id, std::string_view data, unsigned retry_ms = 0);
/// The same, appended to `out`.
void append_sse_event(std::string& out, std::string_view id, std::string_view data, unsigned retry_ms = 0);

}  // namespace mcpx::http
