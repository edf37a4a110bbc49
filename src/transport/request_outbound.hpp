#pragma once
// The outbound side of one request: its notifications, server-to-client requests (legacy)
// and final response all travel through the request's event stream. On 2025-xx sessions the
// stream can be let go mid-request (SSE polling) and picked up again by a GET with
// Last-Event-ID: events keep flowing into the event store meanwhile.
#include <atomic>
#include <mutex>

#include "jsonrpc/message.hpp"
#include "protocol/dispatcher.hpp"
#include "transport/live_session.hpp"

namespace mcpx::transport {

class request_outbound final : public protocol::outbound {
 public:
  /// `deadline`: the call's (see cancellation()); max() for none.
  request_outbound(std::shared_ptr<http::event_stream> stream, std::shared_ptr<live_session> session,
                   state::event_store* events, std::string stream_name, std::chrono::milliseconds client_timeout,
                   std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max())
      : stream_(std::move(stream)),
        session_(std::move(session)),
        events_(events),
        stream_name_(std::move(stream_name)),
        client_timeout_(client_timeout),
        token_(deadline) {}

  void notify(json::object notification) override { push(json::serialize(notification), false); }
  std::optional<json::value> call_client(std::string_view method, json::object params, std::string* error) override;
  /// The client gave up: it cancelled, hung up, or its stream broke (not counting a stream let
  /// go on purpose). The deadline is the token's business, not this.
  bool cancelled() const noexcept override;
  mcpx::cancellation_token* cancellation() noexcept override { return &token_; }
  mcpx::cancellation_token& token() noexcept { return token_; }
  /// A call that became a task answers with its CreateTaskResult, unless answered already.
  void respond(const json::value& message, protocol::outcome_kind kind) override {
    if (claim(answer::result)) finish(message, kind);
  }
  bool release_stream(unsigned retry_ms) override;

  /// Who answered the call: exactly one of the worker (or a task's creation) and the deadline.
  enum class answer : std::uint8_t { none, result, timeout };
  /// True for the first claim only; the claimer then calls finish().
  bool claim(answer a) noexcept {
    auto none = answer::none;
    return answer_.compare_exchange_strong(none, a, std::memory_order_acq_rel);
  }
  answer answered_by() const noexcept { return answer_.load(std::memory_order_acquire); }

  /// Who hears the client go away and the deadline pass (the stream's consumer tells it), and
  /// the hang-up flag of the requesting connection. Once, before the call is shared. `nudge`:
  /// see http::event_stream::watch.
  void watch(std::weak_ptr<http::request_watcher> w, std::shared_ptr<std::atomic<bool>> peer_gone,
             std::chrono::steady_clock::time_point nudge = std::chrono::steady_clock::time_point::max());
  /// The hang-up flag, when the watch starts later (still_waiting).
  void watch_peer(std::shared_ptr<std::atomic<bool>> peer_gone);

  /// The response, last on the stream. `kind` decides its status if it ends up as a JSON reply.
  void finish(const json::value& message, protocol::outcome_kind kind) {
    kind_.store(kind);
    push(jsonrpc::to_text(message), true);
  }
  /// The same for a dispatcher's outcome, written by protocol::serialize (its shared parts too).
  void finish(const protocol::outcome& o) {
    kind_.store(o.kind);
    push(protocol::serialize(o), true);
  }
  protocol::outcome_kind kind() const noexcept { return kind_.load(); }
  /// notifications/cancelled from the client: the watcher decides what it cancels.
  void cancel() noexcept {
    cancelled_.store(true);
    if (auto w = watcher_.lock()) w->client_gone();
  }
  /// A GET with Last-Event-ID takes over: replays what came after `last_event_id`, then
  /// carries the rest; the stream it replaces ends. False when the events are gone.
  bool resume(std::shared_ptr<http::event_stream> s, const std::string& last_event_id);
  /// Puts a priming event (an id, no data) first, so the client can reconnect from it.
  void prime(unsigned retry_ms);
  const std::string& stream_name() const noexcept { return stream_name_; }
  /// True once the client's stream was let go (it may have been picked up again since).
  bool released() const noexcept { return ever_released_.load(); }

 private:
  void push(std::string data, bool final);

  std::shared_ptr<std::atomic<bool>> peer_gone_;  ///< the requesting connection hung up
  mutable std::mutex mu_;                         // guards stream_ and the order of store appends and pushes
  std::shared_ptr<http::event_stream> stream_;
  bool released_ = false;  ///< the client's stream was let go and not yet resumed
  bool finished_ = false;  ///< the response was pushed (guarded by mu_)
  std::shared_ptr<live_session> session_;
  state::event_store* events_;
  std::string stream_name_;
  std::chrono::milliseconds client_timeout_;
  std::atomic<bool> cancelled_{false};
  std::atomic<bool> streamed_{false};
  std::atomic<bool> ever_released_{false};  ///< something came before the response: the reply is SSE
  std::atomic<protocol::outcome_kind> kind_{protocol::outcome_kind::ok};
  std::weak_ptr<http::request_watcher> watcher_;  ///< set by watch(), before the call is shared
  mcpx::cancellation_token token_;
  std::atomic<answer> answer_{answer::none};
};

}  // namespace mcpx::transport
