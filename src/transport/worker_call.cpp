#include "transport/worker_call.hpp"

#include <memory>

#include "transport/replies.hpp"

namespace mcpx::transport {

using answer = request_outbound::answer;

void worker_call::watch(const decltype(http::peer_info::watch_hangup)* watch_hangup) {
  std::weak_ptr<http::request_watcher> me = weak_from_this();
  auto nudge = std::chrono::steady_clock::time_point::max();
  if (watch_hangup && *watch_hangup) {
    hangup_ = watch_hangup;
    nudge = std::chrono::steady_clock::now() + hangup_watch_delay;
  }
  out.watch(me, nullptr, nudge);
  // tasks/cancel and expiry reach the handler through the same token.
  if (call.task) call.task->token = std::shared_ptr<cancellation_token>(shared_from_this(), &out.token());
}

void worker_call::run(worker_pool::slot* slot) noexcept {
  phase_.store(running);
  // Answered TIMEOUT while queued: nobody waits for this call any more.
  if (out.answered_by() == answer::none) {
    const bool measured = tool_ && short_call_.count() > 0;
    const std::int64_t began = measured ? now_ns() : 0;
    protocol::outcome o = [&] {
      try {
        return d_.dispatch(call, out);
      } catch (const std::exception&) {
        return protocol::dispatcher::error(call.msg.id, jsonrpc::code::internal_error, "Internal error");
      }
    }();
    if (measured) note_duration(began, now_ns());
    if (slot) slot->release();
    if (tool_ && !detached() && out.token().reason() == cancel_reason::deadline) {
      // Cut short by its deadline, or done only after it: answered TIMEOUT either way, here
      // if the connection's thread has not yet (it may never: a released stream has no reader).
      if (out.claim(answer::timeout)) answer_timeout();
      else if (out.answered_by() == answer::timeout) tool_->late_completions.fetch_add(1, std::memory_order_relaxed);
    } else if (out.claim(answer::result)) {
      // Written before the response is queued: the I/O thread logs the record only after that.
      // A call that became a task, or whose stream was released, was logged already.
      if (!detached() && !out.released()) annotate_outcome(log_, o.message);  // `record_` keeps it alive
      out.finish(o);
    } else if (tool_ && out.answered_by() == answer::timeout) {
      tool_->late_completions.fetch_add(1, std::memory_order_relaxed);
    }
  }
  if (phase_.exchange(done) & overdue) pool_.overdue_ended();
}

void worker_call::note_duration(std::int64_t began, std::int64_t ended) noexcept {
  // Wall time, wherever the call ran: reading the thread's CPU time, or its voluntary context
  // switches, would tell a preempted call from a blocked one, but costs two system calls per
  // call (over 1 µs each on a virtual machine). Debt tells them apart over a few calls instead.
  auto& debt = tool_->long_call_debt;
  const std::int64_t took = ended - began;
  if (took <= std::chrono::nanoseconds(short_call_).count()) {
    if (int d = debt.load(std::memory_order_relaxed); d > 0) debt.store(d - 1, std::memory_order_relaxed);
    return;
  }
  const bool blocking = took >= std::chrono::nanoseconds(http::io_loop::takeover_after).count();
  const int add = blocking ? 2 * long_call_weight : long_call_weight;
  if (debt.fetch_add(add, std::memory_order_relaxed) + add < probation_debt) return;
  debt.store(0, std::memory_order_relaxed);
  tool_->on_workers_until.store(ended + std::chrono::nanoseconds(probation_).count(), std::memory_order_relaxed);
}

void worker_call::still_waiting() noexcept {
  // The nudge comes only while the requesting connection waits for this call (a resumed
  // stream's watch has none), so its hang-up function is still there to call.
  auto* h = std::exchange(hangup_, nullptr);
  if (!h) return;
  try {
    out.watch_peer((*h)(weak_from_this()));
  } catch (const std::exception&) {
    // Out of memory for the flag: the call goes on unwatched, as a stream without a socket would.
  }
}

void worker_call::client_gone() noexcept {
  // Once a task, only tasks/cancel or expiry stop the call, not its first connection.
  if (detached()) return;
  // What the outbound counts as gone (a stream let go on purpose is not).
  if (out.cancelled()) out.token().cancel(cancel_reason::client);
}

void worker_call::deadline_passed() noexcept {
  if (!tool_) return;
  // A call that became a task has no deadline any more; one whose worker finished answers itself.
  if (call.task && !call.task->try_finish()) return;
  if (!out.claim(answer::timeout)) return;
  // Counted before the handler could end, so the end never comes first.
  pool_.overdue_began();
  int expect = running;
  if (!phase_.compare_exchange_strong(expect, running | overdue)) pool_.overdue_ended();
  answer_timeout();
  // After the answer: the callbacks this runs are the handler's code.
  out.token().cancel(cancel_reason::deadline);
}

void worker_call::answer_timeout() noexcept {
  tool_->timeouts.fetch_add(1, std::memory_order_relaxed);
  try {
    auto o = d_.timed_out(call, *tool_, limit_);
    if (!out.released()) annotate_outcome(log_, o.message);
    out.finish(o);
  } catch (const std::exception&) {
    // Out of memory building a small answer: the connection's own limits end the request.
  }
}

}  // namespace mcpx::transport
