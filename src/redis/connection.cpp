// The command path of a connection: enqueue (any thread), coalesced writes, FIFO delivery,
// per-command deadlines with one timer. The lifecycle around it is in connect.cpp.
#include "redis/connection.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

namespace mcpx::redis::detail {

namespace {

// A write buffer that once held a burst of big commands is not kept at that size.
constexpr std::size_t buffer_keep_bytes = 64 * 1024;

void bump(std::atomic<std::uint64_t>& c) { c.fetch_add(1, std::memory_order_relaxed); }

}  // namespace

connection::connection(const net::any_io_executor& ex, std::shared_ptr<shared_state> shared)
    : strand_(net::make_strand(ex)),
      shared_(std::move(shared)),
      cfg_(shared_->cfg),
      resolver_(strand_),
      sock_(strand_),
      watchdog_(strand_),
      backoff_(strand_),
      timer_(strand_),
      rbuf_(std::make_unique<std::array<char, 16 * 1024>>()),
      rng_(std::random_device{}()) {}

void connection::start() { net::co_spawn(strand_, run(shared_from_this()), net::detached); }

void connection::stop() {
  // Pending commands are failed here, not on the strand: their completions then belong to
  // their executors' queues, so nothing of the caller's is left in this connection even if
  // the executor never runs again.
  shut(link::stopped, errc::stopped);
  net::post(strand_, [self = shared_from_this()] {
    self->stopped_ = true;
    self->resolver_.cancel();
    self->watchdog_.cancel();
    self->backoff_.cancel();
    self->timer_.cancel();
    self->close("stopped");
  });
}

std::optional<errc> connection::enqueue(std::string_view encoded, std::unique_ptr<pending>& p) {
  bool post = false;
  {
    std::lock_guard lock(mu_);
    if (link_ != link::ready) return link_ == link::stopped ? errc::stopped : errc::not_connected;
    if (pending_.size() >= cfg_.queue_limit) return errc::queue_full;
    // The clock is read under the lock so that deadlines grow along the FIFO.
    pending_.push_back({std::move(p), clock::now() + cfg_.command_timeout});
    out_.append(encoded);
    post = !flush_posted_;
    flush_posted_ = true;
  }
  if (post) net::post(strand_, [self = shared_from_this()] { self->do_flush(); });
  return std::nullopt;
}

void connection::do_flush() {
  {
    std::lock_guard lock(mu_);
    if (link_ != link::ready || out_.empty()) {
      flush_posted_ = false;
      return;
    }
    wbuf_.swap(out_);
  }
  arm_timer();
  bump(shared_->n.writes);
  auto done = [self = shared_from_this(), gen = gen_](error_code ec, std::size_t) { self->on_write(ec, gen); };
  if (tls_) net::async_write(*tls_, net::buffer(wbuf_), std::move(done));
  else net::async_write(sock_, net::buffer(wbuf_), std::move(done));
}

void connection::on_write(error_code ec, std::size_t gen) {
  wbuf_.clear();
  if (wbuf_.capacity() > buffer_keep_bytes) std::string().swap(wbuf_);
  if (ec && gen == gen_) {
    // The reader sees the closed socket and fails what is pending; until then nothing more
    // is written (a command queued meanwhile posts a flush that fails the same way).
    close("write failed: " + ec.message());
    std::lock_guard lock(mu_);
    flush_posted_ = false;
    return;
  }
  // A new socket (gen moved on): commands may wait for this chain to end.
  do_flush();
}

std::string connection::deliver() {
  std::string unexpected;
  {
    std::lock_guard lock(mu_);
    for (auto& r : replies_) {
      if (pending_.empty()) {
        // An error before a close ("ERR max number of clients reached") is worth its words.
        if (link_ != link::stopped)  // else stop() failed the entries already
          unexpected = r.is_error() ? "the server said: " + std::string(r.str())
                                    : "a reply to no command (protocol out of step)";
        break;
      }
      auto s = std::move(pending_.front());
      pending_.pop_front();
      if (!s.p) {
        --timed_out_;  // the late reply of a command that timed out
        continue;
      }
      done_.emplace_back(std::move(s.p), std::move(r));
    }
  }
  replies_.clear();
  for (auto& [p, r] : done_) {
    if (r.is_error()) bump(shared_->n.error_replies);
    pending::complete(std::move(p), {}, std::move(r));
  }
  done_.clear();
  return unexpected;
}

connection::clock::time_point connection::next_wake() {
  std::lock_guard lock(mu_);
  auto at = clock::time_point::max();
  if (timed_out_ < pending_.size()) at = pending_[timed_out_].deadline;
  // The oldest unanswered command was sent at its deadline less command_timeout.
  if (timed_out_ > 0) at = std::min(at, pending_.front().deadline - cfg_.command_timeout + cfg_.stall_timeout);
  return at;
}

void connection::arm_timer() {
  auto at = next_wake();
  if (at == clock::time_point::max() || (timer_armed_ && armed_at_ <= at)) return;
  timer_armed_ = true;
  armed_at_ = at;
  timer_.expires_at(at);  // an earlier wait, if any, completes with operation_aborted
  timer_.async_wait([self = shared_from_this()](error_code ec) { self->on_timer(ec); });
}

void connection::on_timer(error_code ec) {
  if (ec == net::error::operation_aborted || stopped_) return;
  timer_armed_ = false;
  const auto now = clock::now();
  bool stalled = false;
  {
    std::lock_guard lock(mu_);
    // Deadlines grow along the FIFO, so the expired entries are the ones after the
    // timed-out prefix, up to the first that is not due.
    for (auto i = timed_out_; i < pending_.size() && pending_[i].deadline <= now; ++i) {
      expired_.push_back(std::move(pending_[i].p));
      ++timed_out_;
    }
    stalled = timed_out_ > 0 && pending_.front().deadline - cfg_.command_timeout + cfg_.stall_timeout <= now;
  }
  for (auto& p : expired_) {
    bump(shared_->n.timeouts);
    pending::complete(std::move(p), errc::timeout, {});
  }
  expired_.clear();
  if (stalled) {
    close("no reply for " + std::to_string(cfg_.stall_timeout.count()) + " ms (stall_timeout)");
    return;
  }
  arm_timer();
}

void connection::close(std::string why) {
  if (close_reason_.empty()) close_reason_ = std::move(why);
  error_code ignored;
  sock_.shutdown(tcp::socket::shutdown_both, ignored);
  sock_.close(ignored);
}

bool connection::stopping() {
  if (stopped_) return true;
  std::lock_guard lock(mu_);
  return link_ == link::stopped;
}

// Any thread: touches only what mu_ guards.
void connection::shut(link next, errc why) {
  std::deque<slot> failed;
  {
    std::lock_guard lock(mu_);
    if (link_ != link::stopped) link_ = next;
    failed.swap(pending_);
    out_.clear();
    if (out_.capacity() > buffer_keep_bytes) std::string().swap(out_);
    timed_out_ = 0;
  }
  ready_.store(false, std::memory_order_release);
  for (auto& s : failed) {
    if (!s.p) continue;
    bump(shared_->n.errors);
    pending::complete(std::move(s.p), why, {});
  }
}

}  // namespace mcpx::redis::detail
